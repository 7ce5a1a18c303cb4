import type { Mesh } from 'three';
import { createCanvasPanel, paintCard } from './canvas-panel';
import { COLORS, FONT, MONO, fitText, roundRect } from './text';

/** One training image on the wall: a proponent (helped the decision) or an opponent (hurt it), with its score. */
export interface WallEntry {
  index: number;
  score: number;
  className: string;
  kind: 'proponent' | 'opponent';
  bitmap: ImageBitmap | null;
}

export type WallTarget = { kind: 'entry'; entry: WallEntry } | { kind: 'run' } | null;

/**
 * The training images that helped (top row) and hurt (bottom row) the current input's decision, from the server's
 * influence job; a button starts that job, and any image can be picked up and dropped on the input.
 */
export interface ProponentWall {
  readonly object: Mesh;
  readonly entries: readonly WallEntry[];
  readonly status: string;
  show(title: string, entries: WallEntry[]): void;
  /** the line under the title: what the job is doing, or what to do */
  setStatus(text: string): void;
  /** an entry's image arrived */
  repaint(): void;
  setHover(target: WallTarget): void;
  /** what is at panel uv (u right, v up) */
  targetAt(u: number, v: number): WallTarget;
  /** uv of the centre of entry i, and of the run button */
  entryUv(i: number): [number, number];
  runUv(): [number, number];
  update(): void;
  dispose(): void;
}

const W = 1024;
const H = 560;
const PER_ROW = 8;
const CELL = (W - 20) / PER_ROW;
const THUMB = 104;
const ROW_Y = [96, 330];
const RUN = { x: W - 250, y: 14, w: 234, h: 44 };
export const WALL_WORLD = { width: 1.6, height: (1.6 * H) / W };

/** Two rows of eight thumbnails with label and score under each; one canvas, one draw call. */
export function createProponentWall(): ProponentWall {
  const panel = createCanvasPanel(W, H, WALL_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = 'proponent-wall';
  let title = 'Proponents and opponents of the current input';
  let status = 'which training images made this decision? click ▶ to compute (EK-FAC influence)';
  let entries: WallEntry[] = [];
  let hover: WallTarget = null;

  const origin = (e: WallEntry) => {
    const row = entries.filter((x) => x.kind === e.kind);
    const k = row.indexOf(e);
    return [10 + k * CELL + (CELL - THUMB) / 2, ROW_Y[e.kind === 'proponent' ? 0 : 1] + 26];
  };

  const paint = () => {
    paintCard(ctx, W, H, { radius: 16, font: `600 26px ${FONT}`, title, x: 20, y: 42, maxWidth: RUN.x - 30 });
    ctx.fillStyle = COLORS.dim;
    ctx.font = `17px ${FONT}`;
    fitText(ctx, status, 20, 74, W - 40);
    ctx.fillStyle = hover?.kind === 'run' ? COLORS.accent : '#2a3140';
    roundRect(ctx, RUN.x, RUN.y, RUN.w, RUN.h, 10);
    ctx.fill();
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 20px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillText('▶ find proponents', RUN.x + RUN.w / 2, RUN.y + 29);
    ctx.textAlign = 'left';
    ctx.font = `600 18px ${FONT}`;
    ctx.fillStyle = '#6c6';
    ctx.fillText('proponents (helped this decision)', 20, ROW_Y[0] + 18);
    ctx.fillStyle = '#e66';
    ctx.fillText('opponents (pulled against it)', 20, ROW_Y[1] + 18);
    entries.forEach(paintEntry);
  };

  const paintEntry = (e: WallEntry) => {
    const [x, y] = origin(e);
    ctx.fillStyle = '#0b0d12';
    ctx.fillRect(x, y, THUMB, THUMB);
    if (e.bitmap) ctx.drawImage(e.bitmap, x, y, THUMB, THUMB);
    ctx.strokeStyle = hover?.kind === 'entry' && hover.entry === e ? COLORS.accent : e.kind === 'proponent' ? '#4a4' : '#c44';
    ctx.lineWidth = hover?.kind === 'entry' && hover.entry === e ? 6 : 3;
    ctx.strokeRect(x - 2, y - 2, THUMB + 4, THUMB + 4);
    ctx.fillStyle = COLORS.text;
    ctx.font = `14px ${MONO}`;
    ctx.textAlign = 'center';
    fitText(ctx, `#${e.index} ${e.className}`, x + THUMB / 2, y + THUMB + 22, CELL - 6);
    ctx.fillStyle = COLORS.dim;
    fitText(ctx, `${e.score >= 0 ? '+' : ''}${e.score.toPrecision(3)}`, x + THUMB / 2, y + THUMB + 42, CELL - 6);
    ctx.textAlign = 'left';
  };

  const within = (x: number, y: number, bx: number, by: number, w: number, h: number) => x >= bx && x <= bx + w && y >= by && y <= by + h;

  return {
    object: mesh,
    get entries() {
      return entries;
    },
    get status() {
      return status;
    },
    show(t, list) {
      title = t;
      entries = list;
      hover = null;
      panel.invalidate();
    },
    setStatus(text) {
      status = text;
      panel.invalidate();
    },
    repaint: () => panel.invalidate(),
    setHover(target) {
      const same = target?.kind === hover?.kind && (target?.kind !== 'entry' || (hover?.kind === 'entry' && hover.entry === target.entry));
      if (!same) panel.invalidate();
      hover = target;
    },
    targetAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H;
      if (within(x, y, RUN.x, RUN.y, RUN.w, RUN.h)) return { kind: 'run' };
      const entry = entries.find((e) => {
        const [ex, ey] = origin(e);
        return within(x, y, ex, ey, THUMB, THUMB);
      });
      return entry ? { kind: 'entry', entry } : null;
    },
    entryUv(i) {
      const [x, y] = origin(entries[i]);
      return [(x + THUMB / 2) / W, 1 - (y + THUMB / 2) / H];
    },
    runUv: () => [(RUN.x + RUN.w / 2) / W, 1 - (RUN.y + RUN.h / 2) / H],
    update: panel.update,
    dispose: panel.dispose,
  };
}
