// Canvas 2D text helpers shared by the canvas-drawn visuals (cards, labels, dataset panel, input station).

export const FONT = '"Inter", "Segoe UI", "Helvetica Neue", Arial, sans-serif';
export const MONO = '"JetBrains Mono", "DejaVu Sans Mono", Menlo, monospace';

export const COLORS = {
  card: 'rgba(22, 26, 34, 0.92)',
  cardEdge: 'rgba(120, 140, 170, 0.55)',
  text: '#e8ecf2',
  dim: '#93a0b4',
  accent: '#ffb454',
  positive: '#f2f2f2',
  negative: '#4f8dff',
  button: '#2c3444',
  buttonHover: '#3d4a62',
  ok: '#6fd08c',
  bad: '#ff6b6b',
};

/** Draw text clipped with an ellipsis to maxWidth. */
export function fitText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, maxWidth: number): void {
  if (ctx.measureText(text).width <= maxWidth) {
    ctx.fillText(text, x, y);
    return;
  }
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(text.slice(0, mid) + '…').width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  ctx.fillText(text.slice(0, lo) + '…', x, y);
}

export function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, r);
}

export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/** "64 ch" for maps, "1000 units" for vectors */
export function channelsText(shape: readonly number[]): string {
  return shape.length === 1 ? `${shape[0]} units` : `${shape[0]} ch`;
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(n);
}

export function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
  return v.toFixed(a < 1 ? 3 : a < 100 ? 2 : 1);
}

/** Bars of a histogram into a box; sqrt scaling keeps the small bins visible next to the zero spike. */
export function drawHistogram(
  ctx: CanvasRenderingContext2D, counts: ArrayLike<number>, x: number, y: number, w: number, h: number,
  color: string, pivot?: number,
): void {
  ctx.fillStyle = 'rgba(255,255,255,0.05)';
  ctx.fillRect(x, y, w, h);
  let max = 0;
  for (let i = 0; i < counts.length; i++) max = Math.max(max, counts[i]);
  if (max === 0) return;
  const bw = w / counts.length;
  ctx.fillStyle = color;
  for (let i = 0; i < counts.length; i++) {
    const bh = Math.sqrt(counts[i] / max) * (h - 2);
    ctx.fillRect(x + i * bw, y + h - bh, Math.max(1, bw - 0.5), bh);
  }
  if (pivot !== undefined) {
    ctx.fillStyle = COLORS.accent;
    ctx.fillRect(x + pivot * w - 0.5, y, 1.5, h);
  }
}
