import type { Vector3 } from 'three';
import type { GraphNode, Prediction } from '../api/types';
import type { AtlasSlot } from './quad-atlas';
import { COLORS, FONT, MONO, drawHistogram, fitText, formatCount, formatShape, formatValue, roundRect } from './text';

/** Everything an info card shows; the card is repainted from this whenever it changes. */
export interface InfoCardState {
  node: GraphNode;
  vmin: number | null;
  vmax: number | null;
  zeroLevel: number | null;
  activation: Uint32Array | null;
  weights: { counts: number[]; edges: number[] } | null;
  weightsLoading: boolean;
  top: Prediction[] | null;
  job: { state: string; progress: number; message: string | null } | null;
  hover: CardButton | null;
}

export type CardButton = 'featurevis' | 'export' | 'reset';

export const CARD_SIZE = { width: 320, height: 212 };
/** world size in metres */
export const CARD_WORLD = { width: 0.64, height: 0.424 };

const BUTTONS: { id: CardButton; label: string; x: number }[] = [
  { id: 'featurevis', label: '✦ feature vis', x: 10 },
  { id: 'export', label: '⤓ export', x: 122 },
  { id: 'reset', label: '⟲ reset', x: 220 },
];
const BUTTON_Y = 174;
const BUTTON_H = 30;
const BUTTON_W = [106, 92, 90];

/** Which button (if any) is at card pixel (x, y). */
export function cardButtonAt(x: number, y: number): CardButton | null {
  if (y < BUTTON_Y || y > BUTTON_Y + BUTTON_H) return null;
  for (const [i, b] of BUTTONS.entries()) if (x >= b.x && x <= b.x + BUTTON_W[i]) return b.id;
  return null;
}

/** World point of a button's centre on a card drawn in an atlas slot (tests aim and click there). */
export function cardButtonPoint(slot: AtlasSlot, button: CardButton, out: Vector3): Vector3 {
  const i = BUTTONS.findIndex((b) => b.id === button);
  const x = (BUTTONS[i].x + BUTTON_W[i] / 2) / CARD_SIZE.width;
  const y = (BUTTON_Y + BUTTON_H / 2) / CARD_SIZE.height;
  return out.set((x - 0.5) * slot.width, (0.5 - y) * slot.height, 0).applyMatrix4(slot.matrix);
}

export function paintInfoCard(ctx: CanvasRenderingContext2D, w: number, h: number, s: InfoCardState): void {
  ctx.fillStyle = COLORS.card;
  roundRect(ctx, 1, 1, w - 2, h - 2, 10);
  ctx.fill();
  ctx.strokeStyle = COLORS.cardEdge;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = COLORS.text;
  ctx.font = `600 17px ${FONT}`;
  fitText(ctx, s.node.name, 12, 24, w - 24);
  ctx.fillStyle = COLORS.dim;
  ctx.font = `13px ${FONT}`;
  const channels = s.node.shape.length === 1 ? `${s.node.shape[0]} units` : `${s.node.shape[0]} ch`;
  const params = s.node.params ? ` · ${formatCount(s.node.params)} params` : '';
  fitText(ctx, `${s.node.kind} · ${formatShape(s.node.shape)} · ${channels}${params}`, 12, 43, w - 24);
  paintActivationHistogram(ctx, s, 12, 52, w - 24);
  if (s.top) paintTopClasses(ctx, s.top, 12, 112, w - 24);
  else paintWeightHistogram(ctx, s, 12, 112, w - 24);
  paintJob(ctx, s, 12, 163, w - 24);
  for (const [i, b] of BUTTONS.entries()) {
    ctx.fillStyle = s.hover === b.id ? COLORS.buttonHover : COLORS.button;
    roundRect(ctx, b.x, BUTTON_Y, BUTTON_W[i], BUTTON_H, 6);
    ctx.fill();
    ctx.fillStyle = COLORS.text;
    ctx.font = `500 14px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillText(b.label, b.x + BUTTON_W[i] / 2, BUTTON_Y + 20);
    ctx.textAlign = 'left';
  }
}

function paintActivationHistogram(ctx: CanvasRenderingContext2D, s: InfoCardState, x: number, y: number, w: number): void {
  ctx.font = `11px ${MONO}`;
  ctx.fillStyle = COLORS.dim;
  const range = s.vmin !== null && s.vmax !== null ? `[${formatValue(s.vmin)}, ${formatValue(s.vmax)}]` : 'no input yet';
  ctx.fillText(`activations ${range}`, x, y + 9);
  if (s.activation) drawHistogram(ctx, s.activation, x, y + 13, w, 40, '#d9dee8', s.zeroLevel !== null ? s.zeroLevel / 255 : undefined);
}

function paintWeightHistogram(ctx: CanvasRenderingContext2D, s: InfoCardState, x: number, y: number, w: number): void {
  ctx.font = `11px ${MONO}`;
  ctx.fillStyle = COLORS.dim;
  if (!s.node.has_weights) {
    ctx.fillText('no weights', x, y + 9);
    return;
  }
  const hw = s.weights;
  if (!hw) {
    ctx.fillText(s.weightsLoading ? 'weights: loading…' : 'weights', x, y + 9);
    return;
  }
  const lo = hw.edges[0];
  const hi = hw.edges[hw.edges.length - 1];
  ctx.fillText(`weights [${formatValue(lo)}, ${formatValue(hi)}]`, x, y + 9);
  const pivot = lo < 0 && hi > 0 ? -lo / (hi - lo) : undefined;
  drawHistogram(ctx, hw.counts, x, y + 13, w, 34, '#ffb454', pivot);
}

function paintTopClasses(ctx: CanvasRenderingContext2D, top: Prediction[], x: number, y: number, w: number): void {
  ctx.font = `12px ${FONT}`;
  for (const [i, p] of top.slice(0, 3).entries()) {
    const ty = y + 4 + i * 16;
    ctx.fillStyle = 'rgba(255,180,84,0.35)';
    ctx.fillRect(x, ty, w * p.probability, 13);
    ctx.fillStyle = COLORS.text;
    fitText(ctx, `${(p.probability * 100).toFixed(1)}%  ${p.name}`, x + 3, ty + 11, w - 6);
  }
}

function paintJob(ctx: CanvasRenderingContext2D, s: InfoCardState, x: number, y: number, w: number): void {
  if (!s.job) return;
  const failed = s.job.state === 'failed' || s.job.state === 'cancelled';
  ctx.fillStyle = 'rgba(255,255,255,0.08)';
  ctx.fillRect(x, y, w, 6);
  ctx.fillStyle = failed ? COLORS.bad : s.job.state === 'done' ? COLORS.ok : COLORS.accent;
  ctx.fillRect(x, y, w * (failed ? 1 : s.job.progress), 6);
}
