import type { Vector3 } from 'three';
import type { GraphNode, Prediction } from '../api/types';
import type { AtlasSlot } from './quad-atlas';
import type { ImportanceView, PanelMode } from './attribution-modes';
import { colorBarLegend, drawColorBar } from './color-bar';
import { COLORS, FONT, MONO, channelsText, drawHistogram, fitText, formatCount, formatShape, formatValue, roundRect } from './text';

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
  /** what the panel shows; on the output card the mode buttons switch every panel of the network */
  mode: PanelMode;
  importance: ImportanceView;
  /** the output card after "Analyze network": method, cost and the sanity badge */
  analysis: { title: string; detail: string; sanity: { passes: boolean | null; text: string } } | null;
  /** the panel shows its channels' top dataset crops (precomputed; the ▦ button) */
  examples?: boolean;
  /** how the ✦ button visualizes: the start image (paper style) and the style, each chosen on its own button */
  featurevis: FeatureVisChoice;
}

export interface FeatureVisChoice {
  start: 'noise' | 'input';
  style: 'paper' | 'lucid' | 'convviz';
}
/** what a click on the start and style buttons goes through (noise first: what researchers expect) */
export const FEATUREVIS_STARTS: readonly FeatureVisChoice['start'][] = ['noise', 'input'];
export const FEATUREVIS_STYLES: readonly FeatureVisChoice['style'][] = ['paper', 'lucid', 'convviz'];

export type CardButton =
  | 'featurevis' | 'fv-start' | 'fv-style' | 'export' | 'reset' | 'examples' | 'analyze' | 'importance' | 'mode-activations' | 'mode-attribution' | 'mode-blend';

export const CARD_SIZE = { width: 320, height: 272 };
/** world size in metres (500 card pixels per metre) */
export const CARD_WORLD = { width: 0.64, height: 0.544 };

interface ButtonSpec {
  id: CardButton;
  x: number;
  y: number;
  w: number;
  /** on which cards: layer cards, the output layer's card, or both */
  on: 'layer' | 'output' | 'all';
}
const ROW1 = 174;
const ROW2 = 206;
const ROW3 = 238;
const BUTTON_H = 28;
const BUTTONS: ButtonSpec[] = [
  // feature visualization: the button and, beside it, its start image and style
  { id: 'featurevis', x: 10, y: ROW1, w: 100, on: 'all' },
  { id: 'fv-start', x: 114, y: ROW1, w: 94, on: 'all' },
  { id: 'fv-style', x: 212, y: ROW1, w: 98, on: 'all' },
  { id: 'export', x: 10, y: ROW2, w: 100, on: 'all' },
  { id: 'reset', x: 114, y: ROW2, w: 94, on: 'all' },
  { id: 'examples', x: 212, y: ROW2, w: 98, on: 'all' },
  { id: 'importance', x: 10, y: ROW3, w: 136, on: 'layer' },
  { id: 'analyze', x: 10, y: ROW3, w: 136, on: 'output' },
  { id: 'mode-activations', x: 150, y: ROW3, w: 52, on: 'all' },
  { id: 'mode-attribution', x: 204, y: ROW3, w: 52, on: 'all' },
  { id: 'mode-blend', x: 258, y: ROW3, w: 52, on: 'all' },
];
const IMPORTANCE_LABEL: Record<ImportanceView, string> = {
  grid: '⇅ importance: off', sorted: '⇅ importance: sort', framed: '⇅ importance: frame',
};
const MODE_LABEL: Record<PanelMode, string> = { activations: 'act', attribution: 'attr', blend: 'blend' };

const isOutputCard = (s: InfoCardState) => s.top !== null;
const buttonsOf = (output: boolean) => BUTTONS.filter((b) => b.on === 'all' || b.on === (output ? 'output' : 'layer'));

/** Which button (if any) is at card pixel (x, y) of a layer card (or of the output card). */
export function cardButtonAt(x: number, y: number, output = false): CardButton | null {
  const b = buttonsOf(output).find((b) => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + BUTTON_H);
  return b?.id ?? null;
}

/** World point of a button's centre on a card drawn in an atlas slot (tests aim and click there). */
export function cardButtonPoint(slot: AtlasSlot, button: CardButton, out: Vector3): Vector3 {
  const b = BUTTONS.find((b) => b.id === button)!;
  return cardPixelPoint(slot, b.x + b.w / 2, b.y + BUTTON_H / 2, out);
}

/** World point of card pixel (x, y) on a card drawn in an atlas slot. */
export function cardPixelPoint(slot: AtlasSlot, x: number, y: number, out: Vector3): Vector3 {
  const u = x / CARD_SIZE.width;
  const v = y / CARD_SIZE.height;
  return out.set((u - 0.5) * slot.width, (0.5 - v) * slot.height, 0).applyMatrix4(slot.matrix);
}

/** Where a running job's progress bar is drawn on a card (card pixels). */
export const JOB_BAR = { x: 12, y: 163, w: CARD_SIZE.width - 24, h: 6 };

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
  const channels = channelsText(s.node.shape);
  const params = s.node.params ? ` · ${formatCount(s.node.params)} params` : '';
  fitText(ctx, `${s.node.kind} · ${formatShape(s.node.shape)} · ${channels}${params}`, 12, 43, w - 24);
  if (s.analysis) paintAnalysis(ctx, s.analysis, 12, 52, w - 24);
  else paintActivationHistogram(ctx, s, 12, 52, w - 24);
  if (s.top) paintTopClasses(ctx, s.top, 12, 112, w - 24);
  else paintWeightHistogram(ctx, s, 12, 112, w - 24);
  paintJob(ctx, s, JOB_BAR.x, JOB_BAR.y, JOB_BAR.w, JOB_BAR.h);
  for (const b of buttonsOf(isOutputCard(s))) paintButton(ctx, b, buttonLabel(b.id, s), s.hover === b.id, s.mode === modeOf(b.id) || (b.id === 'examples' && !!s.examples));
}

function modeOf(button: CardButton): PanelMode | null {
  return button.startsWith('mode-') ? (button.slice('mode-'.length) as PanelMode) : null;
}

function buttonLabel(id: CardButton, s: InfoCardState): string {
  const mode = modeOf(id);
  if (mode) return MODE_LABEL[mode];
  if (id === 'importance') return IMPORTANCE_LABEL[s.importance];
  // the other styles choose their own start (lucid: faint noise, convviz: dataset crops)
  if (id === 'fv-start') return s.featurevis.style === 'paper' ? `from: ${s.featurevis.start}` : 'from: (style)';
  if (id === 'fv-style') return `style: ${s.featurevis.style}`;
  return { featurevis: '✦ feature vis', export: '⤓ export', reset: '⟲ reset', examples: '▦ data', analyze: '▶ Analyze network' }[id as string] ?? id;
}

function paintButton(ctx: CanvasRenderingContext2D, b: ButtonSpec, label: string, hover: boolean, active: boolean): void {
  ctx.fillStyle = active ? COLORS.accent : hover ? COLORS.buttonHover : COLORS.button;
  roundRect(ctx, b.x, b.y, b.w, BUTTON_H, 6);
  ctx.fill();
  ctx.fillStyle = active ? COLORS.card : COLORS.text;
  ctx.font = `500 ${b.w < 100 && !modeOf(b.id) ? 14 : 13}px ${FONT}`;
  ctx.textAlign = 'center';
  fitText(ctx, label, b.x + b.w / 2, b.y + 19, b.w - 6);
  ctx.textAlign = 'left';
}

/** Method and cost of the last analysis, and the sanity badge (does the method's map depend on the weights?). */
function paintAnalysis(ctx: CanvasRenderingContext2D, a: NonNullable<InfoCardState['analysis']>, x: number, y: number, w: number): void {
  ctx.fillStyle = COLORS.text;
  ctx.font = `600 12px ${FONT}`;
  fitText(ctx, a.title, x, y + 10, w);
  ctx.fillStyle = COLORS.dim;
  ctx.font = `11px ${MONO}`;
  fitText(ctx, a.detail, x, y + 26, w);
  const { passes, text } = a.sanity;
  ctx.fillStyle = passes === null ? COLORS.button : passes ? 'rgba(111,208,140,0.25)' : 'rgba(255,107,107,0.25)';
  roundRect(ctx, x, y + 34, w, 20, 5);
  ctx.fill();
  ctx.fillStyle = passes === null ? COLORS.dim : passes ? COLORS.ok : COLORS.bad;
  ctx.font = `600 12px ${FONT}`;
  fitText(ctx, text, x + 6, y + 48, w - 12);
}

function paintActivationHistogram(ctx: CanvasRenderingContext2D, s: InfoCardState, x: number, y: number, w: number): void {
  ctx.font = `11px ${MONO}`;
  ctx.fillStyle = COLORS.dim;
  const range = s.vmin !== null && s.vmax !== null ? `[${formatValue(s.vmin)}, ${formatValue(s.vmax)}]` : 'no input yet';
  ctx.fillText(`activations ${range}`, x, y + 9);
  if (!s.activation || s.vmin === null || s.vmax === null || s.zeroLevel === null) return;
  drawHistogram(ctx, s.activation, x, y + 13, w, 26, '#d9dee8', s.zeroLevel / 255);
  // the legend: the panel's colours from the layer's minimum to its maximum, the zero pivot ticked and labelled
  drawColorBar(ctx, x, y + 42, w, 7, s.zeroLevel);
  const legend = colorBarLegend(s.vmin, s.vmax, s.zeroLevel);
  ctx.font = `10px ${MONO}`;
  ctx.fillStyle = COLORS.dim;
  ctx.fillText(formatValue(legend.min), x, y + 59);
  ctx.textAlign = 'right';
  ctx.fillText(formatValue(legend.max), x + w, y + 59);
  if (legend.zeroAt !== null) {
    ctx.textAlign = 'center';
    ctx.fillStyle = COLORS.accent;
    ctx.fillText('0', Math.min(x + w - 40, Math.max(x + 40, x + legend.zeroAt * w)), y + 59);
  }
  ctx.textAlign = 'left';
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

function paintJob(ctx: CanvasRenderingContext2D, s: InfoCardState, x: number, y: number, w: number, h: number): void {
  if (!s.job) return;
  const failed = s.job.state === 'failed' || s.job.state === 'cancelled';
  ctx.fillStyle = 'rgba(255,255,255,0.08)';
  ctx.fillRect(x, y, w, h);
  ctx.fillStyle = failed ? COLORS.bad : s.job.state === 'done' ? COLORS.ok : COLORS.accent;
  ctx.fillRect(x, y, w * (failed ? 1 : s.job.progress), h);
}
