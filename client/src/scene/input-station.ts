import { Matrix4 } from 'three';
import type { Mesh } from 'three';
import type { Text } from 'troika-three-text';
import { createCanvasPanel } from './canvas-panel';
import type { Prediction } from '../api/types';
import { COLORS, FONT, fitText, roundRect } from './text';
import { placeOn } from './world-text';
import type { WorldText } from './world-text';

export interface InputStation {
  readonly object: Mesh;
  setImage(image: ImageBitmap): void;
  setClassification(predictions: Prediction[]): void;
  setDropHint(state: 'none' | 'can-drop' | 'busy'): void;
  /** the class whose attribution is shown (its bar is outlined); null: none */
  setTarget(classIndex: number | null): void;
  /** input-level attribution laid over the image (null: none) and the line above the bars that explains it */
  setOverlay(overlay: CanvasImageSource | null, note: string | null): void;
  /** the prediction whose bar is at canvas uv (u right, v up), or null */
  predictionAt(u: number, v: number): Prediction | null;
  /** uv of the centre of the i-th bar */
  barUv(i: number): [number, number];
  /** redraw if something changed; called once per frame */
  update(): void;
  readonly classificationText: string;
  /** the SDF labels of the classification rows (class name and probability per row; tests measure them) */
  readonly rowLabels: readonly Text[];
  /** the line above the bars while an attribution is shown */
  readonly note: string | null;
  dispose(): void;
}

const W = 512;
const H = 880;
const IMAGE_Y = H - W;
const BAR_Y = 84;
const BAR_PITCH = 54;
const BAR_H = 48;
const ROWS = 5;
export const STATION_WORLD = { width: 1.0, height: (1.0 * H) / W };
/** metres per canvas pixel */
const M = STATION_WORLD.width / W;
/** em of the rows' text: ≥ 12 px from the start spot (~2.7 m away on an 800 px tall view) */
const ROW_EM = 0.072;

/**
 * The network's input canvas: network name, top-k classification bars with class names, and the current input
 * image; one canvas texture, one draw call. It is also the drop target for carried images.
 */
export function createInputStation(title: string, texts: WorldText): InputStation {
  const panel = createCanvasPanel(W, H, STATION_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = 'input-station';
  let image: CanvasImageSource | null = null;
  let predictions: Prediction[] = [];
  let hint: 'none' | 'can-drop' | 'busy' = 'none';
  let target: number | null = null;
  let overlay: CanvasImageSource | null = null;
  let note: string | null = null;
  // SDF text: the title and, per row, the class name (left) and its probability (right)
  const titleLabel = texts.add(title, { size: 0.055, bold: true, anchorY: 'middle' });
  const rows = Array.from({ length: ROWS }, () => ({
    name: texts.add('', { size: ROW_EM, anchorY: 'middle' }),
    value: texts.add('', { size: ROW_EM, anchorX: 'right', anchorY: 'middle' }),
  }));
  const placedAt = new Matrix4().makeScale(0, 0, 0);
  const placeLabels = () => {
    if (!mesh.visible) { // hidden (fly-to, a hidden network): its text hides with it, and comes back placed anew
      if (placedAt.determinant() !== 0) for (const t of [titleLabel, ...rows.flatMap((r) => [r.name, r.value])]) texts.place(t, null);
      placedAt.makeScale(0, 0, 0);
      return;
    }
    mesh.updateMatrixWorld();
    if (placedAt.equals(mesh.matrixWorld)) return;
    placedAt.copy(mesh.matrixWorld);
    const at = (px: number, py: number): [number, number] => [px * M - STATION_WORLD.width / 2, STATION_WORLD.height / 2 - py * M];
    placeOn(texts, titleLabel, mesh, ...at(18, 32));
    rows.forEach((row, i) => {
      const shown = i < Math.min(ROWS, predictions.length);
      const y = BAR_Y + i * BAR_PITCH + BAR_H / 2;
      if (shown) {
        placeOn(texts, row.name, mesh, ...at(28, y));
        placeOn(texts, row.value, mesh, ...at(W - 26, y));
      } else {
        texts.place(row.name, null);
        texts.place(row.value, null);
      }
    });
  };
  const writeRows = () => {
    rows.forEach((row, i) => {
      const p = predictions[i];
      texts.setText(row.name, p ? p.name : '');
      texts.setText(row.value, p ? `${(p.probability * 100).toFixed(1)}%` : '');
      row.name.maxWidth = (W - 36 - 110) * M;
      row.name.clipRect = [0, -ROW_EM, (W - 36 - 110) * M, ROW_EM];
    });
    placedAt.makeScale(0, 0, 0); // rows shown changed: place again
  };

  const paint = () => {
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = COLORS.card;
    roundRect(ctx, 0, 0, W, IMAGE_Y - 8, 14);
    ctx.fill();
    ctx.font = `17px ${FONT}`;
    ctx.fillStyle = COLORS.dim;
    const subtitle = note ?? (predictions.length ? 'classification · click a class to explain it' : 'drop an image here');
    fitText(ctx, subtitle, 18, 70, W - 36);
    for (const [i, p] of predictions.slice(0, ROWS).entries()) {
      paintBar(ctx, p, 18, BAR_Y + i * BAR_PITCH, W - 36, i === 0, p.index === target);
    }
    ctx.fillStyle = '#000';
    ctx.fillRect(0, IMAGE_Y, W, W);
    if (image) ctx.drawImage(image, 0, IMAGE_Y, W, W);
    if (image && overlay) ctx.drawImage(overlay, 0, IMAGE_Y, W, W); // the input map blended over the image
    if (hint !== 'none') {
      ctx.strokeStyle = hint === 'busy' ? COLORS.dim : COLORS.accent;
      ctx.lineWidth = 10;
      ctx.setLineDash(hint === 'busy' ? [18, 12] : []);
      ctx.strokeRect(5, IMAGE_Y + 5, W - 10, W - 10);
      ctx.setLineDash([]);
    }
  };

  return {
    object: mesh,
    get note() {
      return note;
    },
    get rowLabels() {
      return rows.filter((_, i) => i < predictions.length).flatMap((r) => [r.name, r.value]);
    },
    get classificationText() {
      return predictions.map((p) => `${p.name} ${(p.probability * 100).toFixed(1)}%`).join('; ');
    },
    setImage(bitmap) {
      image = bitmap;
      panel.invalidate();
    },
    setClassification(p) {
      predictions = p;
      writeRows();
      panel.invalidate();
    },
    setDropHint(state) {
      if (state !== hint) panel.invalidate();
      hint = state;
    },
    setTarget(classIndex) {
      target = classIndex;
      panel.invalidate();
    },
    setOverlay(o, text) {
      overlay = o;
      note = text;
      panel.invalidate();
    },
    predictionAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H - BAR_Y;
      const i = Math.floor(y / BAR_PITCH);
      if (x < 18 || x > W - 18 || y < 0 || i >= Math.min(ROWS, predictions.length) || y - i * BAR_PITCH > BAR_H) return null;
      return predictions[i];
    },
    barUv: (i) => [0.5, 1 - (BAR_Y + i * BAR_PITCH + BAR_H / 2) / H],
    update() {
      placeLabels();
      panel.update();
    },
    dispose() {
      for (const t of [titleLabel, ...rows.flatMap((r) => [r.name, r.value])]) texts.remove(t);
      panel.dispose();
    },
  };
}

function paintBar(
  ctx: CanvasRenderingContext2D, p: Prediction, x: number, y: number, w: number, first: boolean, target: boolean,
): void {
  ctx.fillStyle = 'rgba(255,255,255,0.07)';
  roundRect(ctx, x, y, w, BAR_H, 6);
  ctx.fill();
  if (target) {
    ctx.strokeStyle = COLORS.text;
    ctx.lineWidth = 3;
    ctx.stroke();
  }
  // the class name and probability are SDF labels over the bar
  ctx.fillStyle = first ? 'rgba(255,180,84,0.75)' : 'rgba(88,196,220,0.45)';
  roundRect(ctx, x, y, Math.max(4, w * p.probability), BAR_H, 6);
  ctx.fill();
}
