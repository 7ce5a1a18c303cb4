import { CanvasTexture, LinearMipmapLinearFilter, Mesh, NearestFilter, PlaneGeometry } from 'three';
import { decodeLevel } from '../api/activation-format';
import type { LayerActivation } from '../api/types';
import { channelCells } from '../charts/tile-frames';
import { createCanvasMaterial } from './canvas-material';
import type { LayerPanel } from './layer-panel';

/** How a layer's kernels are drawn: RGB (a first layer over a colour image), per input channel, or their norms. */
export type KernelView = 'rgb' | 'kernels' | 'norms';

/** A layer's filters drawn over its panel, each output channel's kernels in the cell of its feature map. */
export interface FilterPanel {
  readonly object: Mesh;
  readonly view: KernelView;
  /** the canvas (tests read its pixels) and the pixel box of channel c's cell in it */
  readonly canvas: HTMLCanvasElement;
  cellBox(channel: number): [number, number, number, number] | null;
  dispose(): void;
}

const MAX_CANVAS = 4096;

/**
 * One canvas quad in front of the panel (its child, so it follows drags and scaling): the cells line up with the
 * panel's map grid, so a click picks the same channel and the tile frames fit. Drawn once: weights do not change.
 */
export function createFilterPanel(panel: LayerPanel, weight: LayerActivation, norms: LayerActivation, view: KernelView): FilterPanel {
  const [out, inputs, kh, kw] = weight.shape;
  const g = view === 'rgb' ? 1 : Math.ceil(Math.sqrt(inputs)); // an output channel's inputs as a g×g mosaic
  const tileW = view === 'norms' ? g : g * kw;
  const tileH = view === 'norms' ? g : g * kh;
  const a = panel.atlas;
  const fit = Math.min(a.cellW, a.cellH);
  const scale = Math.max(1, Math.min(Math.ceil(Math.max(tileW, tileH) / fit), Math.floor(MAX_CANVAS / Math.max(a.width, a.height))));
  const canvas = document.createElement('canvas');
  canvas.width = a.width * scale;
  canvas.height = a.height * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  const scratch = document.createElement('canvas');
  scratch.width = tileW;
  scratch.height = tileH;
  const sctx = scratch.getContext('2d')!;
  const cells = channelCells(panel);
  const boxes = new Map<number, [number, number, number, number]>();
  const values = decodeAll(view === 'norms' ? norms : weight);
  let m = 1e-12; // one scale for the whole layer, so kernels compare (a loop: a spread of millions overflows the stack)
  for (const v of values) m = Math.max(m, Math.abs(v));
  for (let c = 0; c < out; c++) {
    const k = cells.get(c);
    if (k === undefined) continue;
    const image = sctx.createImageData(tileW, tileH);
    if (view === 'rgb') paintRgb(image, values, c, inputs, kh, kw, m);
    else if (view === 'norms') paintMosaic(image, values, c * inputs, inputs, 1, 1, g, m, false);
    else paintMosaic(image, values, c * inputs * kh * kw, inputs, kh, kw, g, m, true);
    sctx.putImageData(image, 0, 0);
    const box: [number, number, number, number] = [(k % a.cols) * a.pitchX * scale, Math.floor(k / a.cols) * a.pitchY * scale, a.cellW * scale, a.cellH * scale];
    boxes.set(c, box);
    const s = Math.min(box[2] / tileW, box[3] / tileH); // keep the kernels square, centred in the cell
    ctx.drawImage(scratch, box[0] + (box[2] - tileW * s) / 2, box[1] + (box[3] - tileH * s) / 2, tileW * s, tileH * s);
  }
  const texture = new CanvasTexture(canvas);
  texture.minFilter = LinearMipmapLinearFilter;
  texture.magFilter = NearestFilter;
  const mesh = new Mesh(new PlaneGeometry(1, 1), createCanvasMaterial(texture));
  mesh.name = `filters:${panel.node.id}`;
  mesh.position.z = 0.002;
  panel.object.add(mesh);
  return {
    object: mesh, view, canvas,
    cellBox: (c) => boxes.get(c) ?? null,
    dispose() {
      panel.object.remove(mesh);
      texture.dispose();
      mesh.geometry.dispose();
      (mesh.material as { dispose(): void }).dispose();
    },
  };
}

function decodeAll(a: LayerActivation): number[] {
  const out = new Array<number>(a.data.length);
  for (let i = 0; i < a.data.length; i++) out[i] = decodeLevel(a.data[i], a.vmin, a.vmax);
  return out;
}

/** A first layer's kernel as colour: each input channel (R, G, B) is one colour channel, grey at zero weight. */
function paintRgb(image: ImageData, w: number[], c: number, inputs: number, kh: number, kw: number, m: number): void {
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      const px = (y * kw + x) * 4;
      for (let i = 0; i < 3; i++) {
        const v = w[((c * inputs + Math.min(i, inputs - 1)) * kh + y) * kw + x];
        image.data[px + i] = Math.round(255 * (0.5 + v / (2 * m)));
      }
      image.data[px + 3] = 255;
    }
  }
}

/** `count` kernels of kh×kw from `start` as a g×g mosaic; signed: blue below zero, black at zero, white above. */
function paintMosaic(image: ImageData, w: number[], start: number, count: number, kh: number, kw: number, g: number,
  m: number, signed: boolean): void {
  for (let i = 0; i < count; i++) {
    const ox = (i % g) * kw;
    const oy = Math.floor(i / g) * kh;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const v = w[start + (i * kh + y) * kw + x] / m;
        const px = ((oy + y) * image.width + ox + x) * 4;
        const pos = Math.round(255 * Math.max(0, v));
        const neg = signed ? Math.round(255 * Math.max(0, -v)) : 0;
        image.data.set([pos + neg * 0.3, pos + neg * 0.55, pos + neg, 255], px);
      }
    }
  }
}
