// Analysis results (the JSON of /api/networks/{nid}/analysis/{job}/data) turned into what the charts draw: bars
// and points in plot coordinates (0..1 on both axes), their colours, and what each one stands for (a filter or a
// dataset input). Pure maths, no three.js: the same numbers are checked by the unit tests.

export interface ChannelStatsRow { channel: number; rank: number; max: number; mean: number; fraction_active: number }
export interface StatsLayer { node: string; items: number[]; channels: ChannelStatsRow[]; ranking: number[]; maxima: number[][] }
export interface FilterHealth {
  node: string; channel: number; negative_pct: number; energy: number; bias: number; max_activation: number;
  dead: boolean; reason: string;
}
export interface DeadLayer { node: string; filters: FilterHealth[] }
export interface PcaLayer { node: string; explained: number[]; points: { channel: number; pc1: number; pc2: number }[] }
export interface EmbeddingPoint { item: number; x: number; y: number; dominant_channel: number; label: number; class_name: string }
export interface Embedding { node: string; features: string; perplexity: number; points: EmbeddingPoint[] }

export interface Axis {
  label: string;
  lo: number;
  hi: number;
  /** values are log10 of the data (energies span decades) */
  log?: boolean;
}

/** Bars in plot coordinates; `keys[i]` is the filter bar i stands for, `series[i]` its input (stacks) or -1. */
export interface Bars {
  count: number;
  keys: Int32Array;
  series: Int32Array;
  x0: Float32Array;
  x1: Float32Array;
  y0: Float32Array;
  y1: Float32Array;
}

export interface BarChartSpec {
  title: string;
  x: Axis;
  y: Axis;
  bars: Bars;
  /** `slots[k]` is the filter in the k-th place along x (the ranking) */
  slots: Int32Array;
  /** how many inputs are stacked (0: one bar per filter) */
  stacked: number;
}

export interface ScatterSpec {
  title: string;
  x: Axis;
  y: Axis;
  /** what the points are: filters of the layer, or dataset inputs */
  keyKind: 'filter' | 'input';
  xs: Float32Array;
  ys: Float32Array;
  keys: Int32Array;
  /** r, g, b per point (0..1) */
  colors: Float32Array;
  /** text next to each point (filter ids), or null when there are too many to read */
  labels: string[] | null;
  legend: string;
}

const BAR_GAP = 0.12; // share of a slot left empty between bars
const MAX_LABELS = 256;
export const HIGHLIGHT: [number, number, number] = [1, 0.706, 0.33]; // COLORS.accent #ffb454
export const DEAD_COLOR: [number, number, number] = [1, 0.3, 0.3];
/** categorical palette (Tableau 10) for classes, channels and inputs */
export const PALETTE: [number, number, number][] = [
  [0.31, 0.47, 0.65], [0.95, 0.56, 0.17], [0.88, 0.34, 0.35], [0.46, 0.72, 0.7], [0.35, 0.63, 0.31],
  [0.93, 0.79, 0.28], [0.69, 0.48, 0.63], [1.0, 0.62, 0.66], [0.61, 0.46, 0.37], [0.73, 0.69, 0.67],
];

/** Filters ordered by their maximum activation over the inputs (the thesis's ranking histogram). */
export function rankingChart(stats: StatsLayer): BarChartSpec {
  const maxima = stats.channels.map((c) => c.max);
  const y = axisOver('max activation', [0, ...maxima]);
  const bars = newBars(maxima.length);
  stats.ranking.forEach((channel, k) => addBar(bars, channel, -1, k, maxima.length, y, 0, maxima[channel]));
  return { title: `ranking of ${maxima.length} filters by max activation (${stats.items.length} inputs)`,
    x: { label: 'rank', lo: 0, hi: maxima.length }, y, bars, slots: Int32Array.from(stats.ranking), stacked: 0 };
}

/** Each filter's maxima stacked input by input, in ranking order (dead filters stay flat; R: are N inputs enough). */
export function cumulatedChart(stats: StatsLayer): BarChartSpec {
  const n = stats.maxima.length;
  const channels = stats.channels.length;
  const tops = stackTops(stats.maxima, channels);
  const y = axisOver('cumulated max activation', [0, ...tops.lo, ...tops.hi]);
  const bars = newBars(n * channels);
  stats.ranking.forEach((channel, k) => {
    let up = 0;
    let down = 0;
    for (let i = 0; i < n; i++) {
      const v = stats.maxima[i][channel];
      const [from, to] = v >= 0 ? [up, up + v] : [down, down + v];
      addBar(bars, channel, i, k, channels, y, from, to);
      if (v >= 0) up = to;
      else down = to;
    }
  });
  return { title: `max activation stacked over ${n} inputs`, x: { label: 'rank', lo: 0, hi: channels }, y, bars,
    slots: Int32Array.from(stats.ranking), stacked: n };
}

/** Share of negative weights against filter energy, coloured by max activation; dead filters in red. */
export function deadChart(dead: DeadLayer): ScatterSpec {
  const f = dead.filters;
  const positive = f.map((x) => x.energy).filter((e) => e > 0);
  const floor = positive.length ? Math.min(...positive) : 1;
  const log = positive.length > 0 && Math.max(...positive) / floor > 100;
  const energy = f.map((x) => (log ? Math.log10(Math.max(x.energy, floor)) : x.energy));
  const x: Axis = { label: '% negative weights', lo: 0, hi: 100 };
  const y = { ...axisOver(log ? 'energy Σw² (log scale)' : 'energy Σw²', energy, 0.05), log };
  const peak = Math.max(1e-12, ...f.map((x) => x.max_activation));
  const colors = new Float32Array(f.length * 3);
  f.forEach((h, i) => colors.set(h.dead ? DEAD_COLOR : ramp(Math.sqrt(Math.max(0, h.max_activation) / peak)), i * 3));
  const deadCount = f.filter((h) => h.dead).length;
  return {
    title: `dead filters: ${deadCount} of ${f.length} never activate`, x, y, keyKind: 'filter',
    xs: Float32Array.from(f, (h) => scale(h.negative_pct, x)), ys: Float32Array.from(energy, (e) => scale(e, y)),
    keys: Int32Array.from(f, (h) => h.channel), colors, labels: null,
    legend: 'red: dead · blue → yellow: max activation',
  };
}

/** 2-D PCA of the filters' weights with their ids; coloured by max activation when the stats are known. */
export function pcaChart(pca: PcaLayer, stats: StatsLayer | null): ScatterSpec {
  const p = pca.points;
  const x = axisOver(`PC1 (${pct(pca.explained[0])})`, p.map((q) => q.pc1), 0.06);
  const y = axisOver(`PC2 (${pct(pca.explained[1])})`, p.map((q) => q.pc2), 0.06);
  const maxima = stats ? stats.channels.map((c) => c.max) : null;
  const peak = maxima ? Math.max(1e-12, ...maxima) : 1;
  const colors = new Float32Array(p.length * 3);
  p.forEach((q, i) => colors.set(maxima ? (maxima[q.channel] <= 0 ? DEAD_COLOR : ramp(Math.sqrt(maxima[q.channel] / peak))) : PALETTE[0], i * 3));
  return {
    title: `PCA of ${p.length} filters`, x, y, keyKind: 'filter',
    xs: Float32Array.from(p, (q) => scale(q.pc1, x)), ys: Float32Array.from(p, (q) => scale(q.pc2, y)),
    keys: Int32Array.from(p, (q) => q.channel), colors,
    labels: p.length <= MAX_LABELS ? p.map((q) => String(q.channel)) : null,
    legend: maxima ? 'colour: max activation (red: dead)' : 'filter ids',
  };
}

/** t-SNE of the inputs as the layer sees them, coloured by class (or by dominant channel without labels). */
export function embeddingChart(emb: Embedding, colorBy: 'class' | 'channel' = 'class'): ScatterSpec {
  const p = emb.points;
  const byClass = colorBy === 'class' && p.some((q) => q.label >= 0);
  const x = axisOver('t-SNE 1', p.map((q) => q.x), 0.05);
  const y = axisOver('t-SNE 2', p.map((q) => q.y), 0.05);
  const colors = new Float32Array(p.length * 3);
  p.forEach((q, i) => colors.set(PALETTE[Math.max(0, byClass ? q.label : q.dominant_channel) % PALETTE.length], i * 3));
  return {
    title: `t-SNE of ${p.length} inputs (${emb.features}, perplexity ${emb.perplexity.toFixed(0)})`, x, y,
    keyKind: 'input', xs: Float32Array.from(p, (q) => scale(q.x, x)), ys: Float32Array.from(p, (q) => scale(q.y, y)),
    keys: Int32Array.from(p, (q) => q.item), colors, labels: null,
    legend: byClass ? 'colour: class · drag: lasso' : 'colour: dominant channel · drag: lasso',
  };
}

/** The filters in ranking places a..b (inclusive, any order): a range picked on the ranking histogram. */
export function rankRange(slots: ArrayLike<number>, a: number, b: number): number[] {
  const [lo, hi] = [Math.max(0, Math.min(a, b)), Math.min(slots.length - 1, Math.max(a, b))];
  return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, k) => slots[lo + k]);
}

/** Plot coordinate (0..1) of a value on an axis. */
export function scale(v: number, axis: Axis): number {
  return axis.hi === axis.lo ? 0.5 : (v - axis.lo) / (axis.hi - axis.lo);
}

function axisOver(label: string, values: number[], pad = 0): Axis {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const m = (hi - lo) * pad;
  return { label, lo: lo - m, hi: hi + m };
}

function stackTops(maxima: number[][], channels: number): { lo: number[]; hi: number[] } {
  const lo = new Array(channels).fill(0);
  const hi = new Array(channels).fill(0);
  for (const row of maxima) row.forEach((v, c) => (v >= 0 ? (hi[c] += v) : (lo[c] += v)));
  return { lo, hi };
}

function newBars(capacity: number): Bars {
  return { count: 0, keys: new Int32Array(capacity), series: new Int32Array(capacity), x0: new Float32Array(capacity),
    x1: new Float32Array(capacity), y0: new Float32Array(capacity), y1: new Float32Array(capacity) };
}

function addBar(bars: Bars, key: number, series: number, slot: number, slots: number, y: Axis, from: number, to: number): void {
  const i = bars.count++;
  const gap = slots > 400 ? 0 : BAR_GAP / 2;
  bars.keys[i] = key;
  bars.series[i] = series;
  bars.x0[i] = (slot + gap) / slots;
  bars.x1[i] = (slot + 1 - gap) / slots;
  bars.y0[i] = scale(Math.min(from, to), y);
  bars.y1[i] = scale(Math.max(from, to), y);
}

/** dark blue → teal → yellow (viridis-like) for t in 0..1 */
export function ramp(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t));
  return u < 0.5 ? lerp([0.23, 0.32, 0.55], [0.13, 0.65, 0.55], u * 2) : lerp([0.13, 0.65, 0.55], [0.99, 0.9, 0.15], u * 2 - 1);
}

function lerp(a: number[], b: number[], t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function pct(v: number | undefined): string {
  return `${((v ?? 0) * 100).toFixed(0)}%`;
}
