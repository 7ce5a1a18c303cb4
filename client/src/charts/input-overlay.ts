import { BufferAttribute, BufferGeometry, Color, DoubleSide, LineBasicMaterial, LineSegments, Mesh, MeshBasicMaterial } from 'three';
import type { InputStation } from '../scene/input-station';
import { STATION_WORLD } from '../scene/input-station';
import { COLORS } from '../scene/text';
import { PALETTE } from './chart-data';

/** (y0, x0, y1, x1) inclusive, in input pixels */
export type InputBox = readonly [number, number, number, number];

/**
 * What the charts draw on a network's input canvas: the receptive field of the hovered map pixel (a frame) and the
 * DeconvNet focus of the selected filters (squares of their neurons' fields, one colour per filter, opacity 0.3,
 * the thesis's figure 17). Children of the canvas' mesh: they follow it; one draw call each while shown.
 */
export interface InputOverlay {
  readonly field: InputBox | null;
  readonly focusSquares: number;
  showField(box: InputBox | null): void;
  /** boxes of each filter's kept neurons; the colour is the filter's place in the list */
  showFocus(filters: readonly (readonly InputBox[])[]): void;
  dispose(): void;
}

const Z = 0.003;
const _c = new Color();

export function createInputOverlay(station: InputStation, inputSize: readonly number[]): InputOverlay {
  const [, height, width] = inputSize;
  // the image fills the bottom square of the canvas (STATION_WORLD.width wide); y grows downwards in the input
  const bottom = -STATION_WORLD.height / 2;
  const side = STATION_WORLD.width;
  const toLocal = ([y0, x0, y1, x1]: InputBox): [number, number, number, number] =>
    [-side / 2 + (x0 / width) * side, bottom + side - ((y1 + 1) / height) * side,
      -side / 2 + ((x1 + 1) / width) * side, bottom + side - (y0 / height) * side];
  const frameGeometry = new BufferGeometry();
  frameGeometry.setAttribute('position', new BufferAttribute(new Float32Array(24), 3));
  const frame = new LineSegments(frameGeometry, new LineBasicMaterial({ color: COLORS.accent, depthTest: false }));
  frame.name = 'receptive-field';
  frame.renderOrder = 20;
  frame.visible = false;
  const squaresGeometry = new BufferGeometry();
  const squares = new Mesh(squaresGeometry, new MeshBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.3, side: DoubleSide, depthWrite: false }));
  squares.name = 'deconv-focus';
  squares.renderOrder = 19;
  squares.visible = false;
  station.object.add(frame, squares);
  let field: InputBox | null = null;
  let count = 0;
  return {
    get field() {
      return field;
    },
    get focusSquares() {
      return count;
    },
    showField(box) {
      field = box;
      frame.visible = box !== null;
      if (!box) return;
      const [x0, y0, x1, y1] = toLocal(box);
      (frameGeometry.attributes.position as BufferAttribute).set([x0, y0, Z, x1, y0, Z, x1, y0, Z, x1, y1, Z, x1, y1, Z, x0, y1, Z, x0, y1, Z, x0, y0, Z]);
      frameGeometry.attributes.position.needsUpdate = true;
    },
    showFocus(filters) {
      count = filters.reduce((n, boxes) => n + boxes.length, 0);
      const position = new Float32Array(count * 18);
      const color = new Float32Array(count * 18);
      let k = 0;
      filters.forEach((boxes, f) => {
        _c.setRGB(...PALETTE[f % PALETTE.length]);
        for (const box of boxes) {
          const [x0, y0, x1, y1] = toLocal(box);
          position.set([x0, y0, Z, x1, y0, Z, x1, y1, Z, x0, y0, Z, x1, y1, Z, x0, y1, Z], k * 18);
          for (let v = 0; v < 6; v++) color.set([_c.r, _c.g, _c.b], k * 18 + v * 3);
          k++;
        }
      });
      squaresGeometry.setAttribute('position', new BufferAttribute(position, 3));
      squaresGeometry.setAttribute('color', new BufferAttribute(color, 3));
      squares.visible = count > 0;
    },
    dispose() {
      station.object.remove(frame, squares);
      frameGeometry.dispose();
      squaresGeometry.dispose();
      (frame.material as LineBasicMaterial).dispose();
      (squares.material as MeshBasicMaterial).dispose();
    },
  };
}
