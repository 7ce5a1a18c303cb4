import { createShownPanel, paintCard } from './canvas-panel';
import type { ShownPanel } from './canvas-panel';
import { COLORS, FONT, fitText, formatValue } from './text';

/** A class the selected channel supports (score > 0) or suppresses (score < 0). */
export interface FlowClass {
  name: string;
  score: number;
}

export interface FlowCardState {
  title: string;
  /** "preview: gradient × activation — computing the exact flow…" / "exact, by ablation (0.12 s)" */
  status: string;
  supported: FlowClass[];
  suppressed: FlowClass[];
  /** the class chosen elsewhere (output legend), marked when it is in the lists */
  chosen?: string | null;
}

/** The activity flow's class list, in the world above the selected panel (readable on desktop and in VR). */
export type FlowCard = ShownPanel<FlowCardState>;

const W = 640;
const H = 360;
export const FLOW_CARD_WORLD = { width: 0.9, height: 0.9 * (H / W) };

export function createFlowCard(): FlowCard {
  return createShownPanel('flow-card', W, H, FLOW_CARD_WORLD, paint);
}

function paint(ctx: CanvasRenderingContext2D, s: FlowCardState): void {
  paintCard(ctx, W, H, { radius: 18, inset: 2, font: `bold 30px ${FONT}`, title: s.title, x: 20, y: 42, maxWidth: W - 40 });
  ctx.fillStyle = COLORS.dim;
  ctx.font = `22px ${FONT}`;
  fitText(ctx, s.status, 20, 74, W - 40);
  const max = Math.max(1e-9, ...[...s.supported, ...s.suppressed].map((c) => Math.abs(c.score)));
  column(ctx, 'supports', s.supported, 20, max, COLORS.accent, s.chosen);
  column(ctx, 'suppresses', s.suppressed, W / 2 + 10, max, COLORS.negative, s.chosen);
}

function column(ctx: CanvasRenderingContext2D, head: string, rows: FlowClass[], x: number, max: number, color: string,
  chosen: string | null | undefined): void {
  const w = W / 2 - 30;
  ctx.fillStyle = COLORS.text;
  ctx.font = `bold 24px ${FONT}`;
  ctx.fillText(head, x, 112);
  ctx.font = `21px ${FONT}`;
  if (!rows.length) {
    ctx.fillStyle = COLORS.dim;
    ctx.fillText('none', x, 146);
  }
  rows.slice(0, 5).forEach((c, i) => {
    const y = 128 + i * 44;
    ctx.fillStyle = color;
    ctx.globalAlpha = 0.35;
    ctx.fillRect(x, y, (w * Math.abs(c.score)) / max, 36);
    ctx.globalAlpha = 1;
    ctx.fillStyle = c.name === chosen ? COLORS.accent : COLORS.text;
    fitText(ctx, `${c.name === chosen ? '▶ ' : ''}${c.name}`, x + 6, y + 26, w - 90);
    ctx.fillStyle = COLORS.dim;
    ctx.textAlign = 'right';
    ctx.fillText(`${c.score > 0 ? '+' : ''}${formatValue(c.score)}`, x + w, y + 26);
    ctx.textAlign = 'left';
  });
}
