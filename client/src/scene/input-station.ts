import type { Mesh } from 'three';
import { createCanvasPanel } from './canvas-panel';
import type { Prediction } from '../api/types';
import { COLORS, FONT, fitText, roundRect } from './text';

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
  /** the line above the bars while an attribution is shown */
  readonly note: string | null;
  dispose(): void;
}

const W = 512;
const H = 800;
const IMAGE_Y = H - W;
const BAR_Y = 78;
const BAR_PITCH = 38;
const BAR_H = 32;
export const STATION_WORLD = { width: 1.0, height: (1.0 * H) / W };

/**
 * The network's input canvas: network name, top-k classification bars with class names, and the current input
 * image; one canvas texture, one draw call. It is also the drop target for carried images.
 */
export function createInputStation(title: string): InputStation {
  const panel = createCanvasPanel(W, H, STATION_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = 'input-station';
  let image: CanvasImageSource | null = null;
  let predictions: Prediction[] = [];
  let hint: 'none' | 'can-drop' | 'busy' = 'none';
  let target: number | null = null;
  let overlay: CanvasImageSource | null = null;
  let note: string | null = null;

  const paint = () => {
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = COLORS.card;
    roundRect(ctx, 0, 0, W, IMAGE_Y - 8, 14);
    ctx.fill();
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 26px ${FONT}`;
    fitText(ctx, title, 18, 38, W - 36);
    ctx.font = `15px ${FONT}`;
    ctx.fillStyle = COLORS.dim;
    const subtitle = note ?? (predictions.length ? 'classification · click a class to explain it' : 'drop an image here');
    fitText(ctx, subtitle, 18, 62, W - 36);
    for (const [i, p] of predictions.slice(0, 5).entries()) {
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
    get classificationText() {
      return predictions.map((p) => `${p.name} ${(p.probability * 100).toFixed(1)}%`).join('; ');
    },
    setImage(bitmap) {
      image = bitmap;
      panel.invalidate();
    },
    setClassification(p) {
      predictions = p;
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
      if (x < 18 || x > W - 18 || y < 0 || i >= Math.min(5, predictions.length) || y - i * BAR_PITCH > BAR_H) return null;
      return predictions[i];
    },
    barUv: (i) => [0.5, 1 - (BAR_Y + i * BAR_PITCH + BAR_H / 2) / H],
    update: panel.update,
    dispose: panel.dispose,
  };
}

function paintBar(
  ctx: CanvasRenderingContext2D, p: Prediction, x: number, y: number, w: number, first: boolean, target: boolean,
): void {
  ctx.fillStyle = 'rgba(255,255,255,0.07)';
  roundRect(ctx, x, y, w, 32, 5);
  ctx.fill();
  if (target) {
    ctx.strokeStyle = COLORS.text;
    ctx.lineWidth = 3;
    ctx.stroke();
  }
  ctx.fillStyle = first ? 'rgba(255,180,84,0.75)' : 'rgba(88,196,220,0.45)';
  roundRect(ctx, x, y, Math.max(4, w * p.probability), 32, 5);
  ctx.fill();
  ctx.fillStyle = COLORS.text;
  ctx.font = `${first ? 600 : 400} 18px ${FONT}`;
  fitText(ctx, p.name, x + 10, y + 22, w - 90);
  ctx.textAlign = 'right';
  ctx.fillText(`${(p.probability * 100).toFixed(1)}%`, x + w - 8, y + 22);
  ctx.textAlign = 'left';
}
