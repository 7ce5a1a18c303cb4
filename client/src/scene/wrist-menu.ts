import type { Mesh } from 'three';
import { createCanvasPanel } from './canvas-panel';
import { COLORS, FONT, fitText, roundRect } from './text';

/** One row of the menu: a module (opens on a click on its name) or a layer, and how much of it is hidden. */
export interface WristMenuRow {
  label: string;
  kind: 'module' | 'layer';
  /** layers it holds (1 for a layer) */
  layers: number;
  hidden: 'none' | 'some' | 'all';
}

/** What the menu shows: where in the module tree it is, and one page of that module's rows. */
export interface WristMenuState {
  network: string;
  /** module path shown ('' = the whole network) */
  path: string;
  rows: readonly WristMenuRow[];
  page: number;
  pages: number;
  /** several networks: the header has a button to switch */
  networks: number;
}

/** What a click on the menu hits. Row targets carry the row's index on the page. */
export type WristTarget =
  | { kind: 'showAll' } | { kind: 'back' } | { kind: 'prev' } | { kind: 'next' } | { kind: 'network' }
  | { kind: 'eye'; row: number } | { kind: 'open'; row: number } | { kind: 'only'; row: number };

export interface WristMenu {
  readonly object: Mesh;
  /** what it shows now */
  readonly state: WristMenuState | null;
  setState(state: WristMenuState): void;
  setHover(target: WristTarget | null): void;
  /** the target at panel uv (u right, v up), or null */
  targetAt(u: number, v: number): WristTarget | null;
  /** uv of a target's centre (tests and the VR emulation aim there) */
  targetUv(target: WristTarget): [number, number];
  update(): void;
  dispose(): void;
}

export const ROWS_PER_PAGE = 7;
const W = 480;
const H = 600;
const PAD = 12;
const BAR_Y = 60; // show all · back · network
const BAR_H = 56;
const ROW_Y = 128;
const ROW_H = 56;
const ROW_GAP = 6;
const EYE_W = 64;
const ONLY_W = 84;
const PAGER_Y = ROW_Y + ROWS_PER_PAGE * (ROW_H + ROW_GAP) + 4;
const PAGER_H = H - PAGER_Y - PAD;
export const WRIST_MENU_WORLD = { width: 0.2, height: (0.2 * H) / W };

type Box = [number, number, number, number];

/** The boxes of every target the state has (in canvas pixels, y down). */
function layout(state: WristMenuState | null): { target: WristTarget; box: Box }[] {
  const out: { target: WristTarget; box: Box }[] = [];
  const third = (W - 4 * PAD) / 3;
  out.push({ target: { kind: 'showAll' }, box: [PAD, BAR_Y, third, BAR_H] });
  if (state?.path) out.push({ target: { kind: 'back' }, box: [2 * PAD + third, BAR_Y, third, BAR_H] });
  if ((state?.networks ?? 0) > 1) out.push({ target: { kind: 'network' }, box: [3 * PAD + 2 * third, BAR_Y, third, BAR_H] });
  (state?.rows ?? []).forEach((_, i) => {
    const y = ROW_Y + i * (ROW_H + ROW_GAP);
    out.push({ target: { kind: 'eye', row: i }, box: [PAD, y, EYE_W, ROW_H] });
    out.push({ target: { kind: 'open', row: i }, box: [2 * PAD + EYE_W, y, W - 4 * PAD - EYE_W - ONLY_W, ROW_H] });
    out.push({ target: { kind: 'only', row: i }, box: [W - PAD - ONLY_W, y, ONLY_W, ROW_H] });
  });
  if ((state?.pages ?? 1) > 1) {
    const half = (W - 3 * PAD) / 2;
    out.push({ target: { kind: 'prev' }, box: [PAD, PAGER_Y, half, PAGER_H] });
    out.push({ target: { kind: 'next' }, box: [2 * PAD + half, PAGER_Y, half, PAGER_H] });
  }
  return out;
}

const same = (a: WristTarget | null, b: WristTarget | null) =>
  !!a && !!b && a.kind === b.kind && ('row' in a ? a.row : -1) === ('row' in b ? b.row : -1);

/**
 * The VR layer menu on the wrist (the layer tree's toggles for a user without a keyboard or mouse): the rows of one
 * module of the network's module tree — eye: hide/show, name: open the module, "only": show just that module or
 * layer — with "show all", "back" and paging. One canvas panel, one draw call.
 */
export function createWristMenu(): WristMenu {
  let state: WristMenuState | null = null;
  let hover: WristTarget | null = null;
  const panel = createCanvasPanel(W, H, WRIST_MENU_WORLD, () => paint());
  panel.mesh.name = 'wrist-menu';

  const button = (box: Box, label: string, target: WristTarget, on = false, enabled = true) => {
    const c = panel.ctx;
    c.fillStyle = on ? COLORS.accent : same(target, hover) ? COLORS.buttonHover : COLORS.button;
    roundRect(c, box[0], box[1], box[2], box[3], 8);
    c.fill();
    c.fillStyle = on ? '#111' : enabled ? COLORS.text : COLORS.dim;
    c.textAlign = 'center';
    fitText(c, label, box[0] + box[2] / 2, box[1] + box[3] / 2 + 8, box[2] - 12);
    c.textAlign = 'left';
  };

  const paint = () => {
    const c = panel.ctx;
    c.clearRect(0, 0, W, H);
    c.fillStyle = COLORS.card;
    roundRect(c, 0, 0, W, H, 16);
    c.fill();
    c.fillStyle = COLORS.text;
    c.font = `600 22px ${FONT}`;
    fitText(c, `Layers · ${state?.network ?? ''}${state?.path ? ` › ${state.path}` : ''}`, PAD, 36, W - 2 * PAD);
    c.font = `600 21px ${FONT}`;
    for (const { target, box } of layout(state)) {
      if (target.kind === 'showAll') button(box, 'show all', target);
      else if (target.kind === 'back') button(box, '‹ back', target);
      else if (target.kind === 'network') button(box, 'network ›', target);
      else if (target.kind === 'prev') button(box, `▲ ${state!.page + 1}/${state!.pages}`, target, false, state!.page > 0);
      else if (target.kind === 'next') button(box, '▼', target, false, state!.page < state!.pages - 1);
      else {
        const row = state!.rows[target.row];
        if (target.kind === 'eye') button(box, row.hidden === 'all' ? '◌' : row.hidden === 'some' ? '◐' : '◉', target, false, row.hidden !== 'all');
        else if (target.kind === 'only') button(box, 'only', target);
        else {
          const name = row.kind === 'module' ? `▸ ${row.label}  (${row.layers})` : row.label;
          c.font = `${row.kind === 'module' ? 600 : 400} 21px ${FONT}`;
          c.fillStyle = same(target, hover) ? COLORS.buttonHover : 'rgba(255,255,255,0.06)';
          roundRect(c, box[0], box[1], box[2], box[3], 8);
          c.fill();
          c.fillStyle = row.hidden === 'all' ? COLORS.dim : COLORS.text;
          fitText(c, name, box[0] + 10, box[1] + box[3] / 2 + 8, box[2] - 20);
          c.font = `600 21px ${FONT}`;
        }
      }
    }
  };

  return {
    object: panel.mesh,
    get state() {
      return state;
    },
    setState(next) {
      state = next;
      panel.invalidate();
    },
    setHover(next) {
      if (same(next, hover) || (!next && !hover)) return;
      hover = next;
      panel.invalidate();
    },
    targetAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H;
      return layout(state).find(({ box }) => x >= box[0] && x <= box[0] + box[2] && y >= box[1] && y <= box[1] + box[3])?.target ?? null;
    },
    targetUv(target) {
      const hit = layout(state).find((t) => same(t.target, target));
      if (!hit) return [NaN, NaN];
      const [x, y, w, h] = hit.box;
      return [(x + w / 2) / W, 1 - (y + h / 2) / H];
    },
    update: () => panel.update(),
    dispose: () => panel.dispose(),
  };
}
