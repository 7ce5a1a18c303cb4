import type { Mesh } from 'three';
import type { Fill } from '../graph/occlusion-blocks';
import { createCanvasPanel, paintCard } from './canvas-panel';
import { COLORS, FONT, fitText, roundRect } from './text';

export type OcclusionTool = Fill | 'undo' | 'delete' | 'clear' | 'save';

/** What the tools show: the fill of new (or the selected) blocks and which actions can do something now. */
export interface OcclusionToolsState {
  fill: Fill;
  blocks: number;
  selected: boolean;
  canUndo: boolean;
  /** the input is an occlusion edit (so there is something to save) */
  edited: boolean;
  busy: boolean;
}

/** The occlusion editor's buttons beside the input canvas (one canvas panel, one draw call). */
export interface OcclusionTools {
  readonly object: Mesh;
  setState(state: OcclusionToolsState): void;
  setHover(tool: OcclusionTool | null): void;
  /** the button at panel uv (u right, v up), or null */
  toolAt(u: number, v: number): OcclusionTool | null;
  /** uv of a button's centre (tests and the VR emulation aim there) */
  toolUv(tool: OcclusionTool): [number, number];
  update(): void;
  dispose(): void;
}

const W = 512;
const H = 196;
const ROWS: readonly (readonly OcclusionTool[])[] = [['black', 'mean', 'blur'], ['undo', 'delete', 'clear', 'save']];
const LABELS: Record<OcclusionTool, string> = {
  black: '■ black', mean: '▦ mean', blur: '◌ blur', undo: '↶ undo', delete: '✕ delete', clear: 'clear', save: '💾 save',
};
const TOP = [58, 124];
const BUTTON_H = 52;
const MARGIN = 12;
export const TOOLS_WORLD = { width: 0.8, height: (0.8 * H) / W };

export function createOcclusionTools(): OcclusionTools {
  const panel = createCanvasPanel(W, H, TOOLS_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = 'occlusion-tools';
  let state: OcclusionToolsState = { fill: 'black', blocks: 0, selected: false, canUndo: false, edited: false, busy: false };
  let hover: OcclusionTool | null = null;

  const box = (tool: OcclusionTool): [number, number, number, number] => {
    const r = ROWS.findIndex((row) => row.includes(tool));
    const row = ROWS[r];
    const w = (W - MARGIN * (row.length + 1)) / row.length;
    return [MARGIN + row.indexOf(tool) * (w + MARGIN), TOP[r], w, BUTTON_H];
  };
  const enabled = (tool: OcclusionTool) => {
    if (tool === 'undo') return state.canUndo;
    if (tool === 'delete') return state.selected;
    if (tool === 'clear') return state.blocks > 0;
    if (tool === 'save') return state.edited && !state.busy;
    return true;
  };

  const paint = () => {
    const what = state.busy ? 'running the network…' : `${state.blocks} block${state.blocks === 1 ? '' : 's'}`;
    const title = `Occlusion · drag on the image to draw · ${what}`;
    paintCard(ctx, W, H, { radius: 14, font: `600 20px ${FONT}`, title, x: 16, y: 36, maxWidth: W - 32 });
    for (const tool of ROWS.flat()) {
      const [x, y, w, h] = box(tool);
      const chosen = tool === state.fill;
      ctx.fillStyle = chosen ? COLORS.accent : hover === tool ? COLORS.buttonHover : COLORS.button;
      roundRect(ctx, x, y, w, h, 8);
      ctx.fill();
      ctx.fillStyle = chosen ? '#1a1d24' : enabled(tool) ? COLORS.text : COLORS.dim;
      ctx.font = `600 21px ${FONT}`;
      ctx.textAlign = 'center';
      fitText(ctx, LABELS[tool], x + w / 2, y + 34, w - 8);
      ctx.textAlign = 'left';
    }
  };

  return {
    object: mesh,
    setState(s) {
      state = s;
      panel.invalidate();
    },
    setHover(tool) {
      if (tool === hover) return;
      hover = tool;
      panel.invalidate();
    },
    toolAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H;
      for (const tool of ROWS.flat()) {
        const [bx, by, bw, bh] = box(tool);
        if (x >= bx && x <= bx + bw && y >= by && y <= by + bh) return tool;
      }
      return null;
    },
    toolUv(tool) {
      const [x, y, w, h] = box(tool);
      return [(x + w / 2) / W, 1 - (y + h / 2) / H];
    },
    update: panel.update,
    dispose: panel.dispose,
  };
}
