import { createCanvasPanel } from '../scene/canvas-panel';
import type { CanvasPanel } from '../scene/canvas-panel';
import { COLORS, FONT, fitText, roundRect } from '../scene/text';

/** One input of the selection, shown as a thumbnail that can be picked up and dropped on the input canvas. */
export interface Thumbnail {
  item: number;
  label: string;
  image: ImageBitmap | null;
}

export type ExportKind = 'png' | 'csv' | 'json';
export type CardTarget = { kind: 'thumbnail'; index: number } | { kind: 'export'; format: ExportKind } | { kind: 'focus' };

export const THUMBNAILS = 6;
const W = 572;
const H = 406;
const THUMB = 84;
const THUMB_Y = 214;
const BUTTON_Y = 350;
const FOCUS = { x: 392, y: 10, w: 166, h: 28 };
const BUTTONS: { format: ExportKind; x: number; w: number }[] = [
  { format: 'png', x: 230, w: 100 }, { format: 'csv', x: 340, w: 100 }, { format: 'json', x: 450, w: 106 },
];

/**
 * The board's card: what is selected, the details of a picked filter (bias, why it is dead), six of the selected
 * inputs as thumbnails to pick up, and the export buttons of the chart last used.
 */
export interface BoardCard {
  readonly panel: CanvasPanel;
  setText(title: string, lines: string[]): void;
  setThumbnails(thumbnails: Thumbnail[]): void;
  setExportTarget(name: string): void;
  setHover(target: CardTarget | null): void;
  targetAt(u: number, v: number): CardTarget | null;
  /** centre (u, v) of a target, for tests */
  uvOf(target: CardTarget): [number, number];
}

export function createBoardCard(width: number, height: number, repaintSoon: (p: CanvasPanel) => void): BoardCard {
  let title = '';
  let lines: string[] = [];
  let thumbs: Thumbnail[] = [];
  let exportName = '';
  let hover: CardTarget | null = null;
  const panel = createCanvasPanel(W, H, { width, height }, () => paint(panel.ctx));
  panel.mesh.name = 'chart:card';
  const paint = (ctx: CanvasRenderingContext2D) => {
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = COLORS.card;
    roundRect(ctx, 1, 1, W - 2, H - 2, 12);
    ctx.fill();
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 17px ${FONT}`;
    fitText(ctx, title, 14, 28, FOCUS.x - 24);
    ctx.fillStyle = hover?.kind === 'focus' ? COLORS.buttonHover : COLORS.button;
    roundRect(ctx, FOCUS.x, FOCUS.y, FOCUS.w, FOCUS.h, 6);
    ctx.fill();
    ctx.fillStyle = COLORS.text;
    ctx.font = `500 13px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillText('◎ focus on the input', FOCUS.x + FOCUS.w / 2, FOCUS.y + 19);
    ctx.textAlign = 'left';
    ctx.font = `13px ${FONT}`;
    ctx.fillStyle = COLORS.dim;
    lines.slice(0, 8).forEach((line, i) => fitText(ctx, line, 14, 54 + i * 19, W - 28));
    paintThumbnails(ctx, thumbs, hover);
    ctx.fillStyle = COLORS.dim;
    ctx.font = `13px ${FONT}`;
    fitText(ctx, `export ${exportName || '(use a chart first)'}:`, 14, BUTTON_Y + 19, 210);
    for (const b of BUTTONS) {
      const lit = hover?.kind === 'export' && hover.format === b.format;
      ctx.fillStyle = lit ? COLORS.buttonHover : COLORS.button;
      roundRect(ctx, b.x, BUTTON_Y, b.w, 28, 6);
      ctx.fill();
      ctx.fillStyle = COLORS.text;
      ctx.textAlign = 'center';
      ctx.fillText(`⤓ ${b.format.toUpperCase()}`, b.x + b.w / 2, BUTTON_Y + 19);
      ctx.textAlign = 'left';
    }
  };
  const changed = () => {
    panel.invalidate();
    repaintSoon(panel);
  };
  changed();
  return {
    panel,
    setText(t, l) {
      [title, lines] = [t, l];
      changed();
    },
    setThumbnails(t) {
      thumbs = t.slice(0, THUMBNAILS);
      changed();
    },
    setExportTarget(name) {
      if (name === exportName) return;
      exportName = name;
      changed();
    },
    setHover(target) {
      if (JSON.stringify(target) === JSON.stringify(hover)) return;
      hover = target;
      changed();
    },
    targetAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H;
      if (y >= THUMB_Y && y <= THUMB_Y + THUMB) {
        const index = Math.floor((x - 14) / (THUMB + 8));
        if (index >= 0 && index < thumbs.length && x - 14 - index * (THUMB + 8) <= THUMB) return { kind: 'thumbnail', index };
      }
      if (x >= FOCUS.x && x <= FOCUS.x + FOCUS.w && y >= FOCUS.y && y <= FOCUS.y + FOCUS.h) return { kind: 'focus' };
      const b = BUTTONS.find((b) => x >= b.x && x <= b.x + b.w && y >= BUTTON_Y && y <= BUTTON_Y + 28);
      return b && exportName ? { kind: 'export', format: b.format } : null;
    },
    uvOf(target) {
      if (target.kind === 'focus') return [(FOCUS.x + FOCUS.w / 2) / W, 1 - (FOCUS.y + FOCUS.h / 2) / H];
      if (target.kind === 'thumbnail') return [(14 + target.index * (THUMB + 8) + THUMB / 2) / W, 1 - (THUMB_Y + THUMB / 2) / H];
      const b = BUTTONS.find((b) => b.format === target.format)!;
      return [(b.x + b.w / 2) / W, 1 - (BUTTON_Y + 14) / H];
    },
  };
}

function paintThumbnails(ctx: CanvasRenderingContext2D, thumbs: Thumbnail[], hover: CardTarget | null): void {
  thumbs.forEach((t, i) => {
    const x = 14 + i * (THUMB + 8);
    ctx.fillStyle = COLORS.button;
    ctx.fillRect(x, THUMB_Y, THUMB, THUMB);
    if (t.image) ctx.drawImage(t.image, x, THUMB_Y, THUMB, THUMB);
    if (hover?.kind === 'thumbnail' && hover.index === i) {
      ctx.strokeStyle = COLORS.accent;
      ctx.lineWidth = 3;
      ctx.strokeRect(x, THUMB_Y, THUMB, THUMB);
    }
    ctx.fillStyle = COLORS.dim;
    ctx.font = `11px ${FONT}`;
    ctx.textAlign = 'center';
    fitText(ctx, t.label, x + THUMB / 2, THUMB_Y + THUMB + 14, THUMB);
    ctx.textAlign = 'left';
  });
  if (thumbs.length) {
    ctx.fillStyle = COLORS.dim;
    ctx.font = `12px ${FONT}`;
    ctx.fillText('click a thumbnail to pick it up, then click the input canvas', 14, THUMB_Y - 8);
  }
}
