import type { Mesh } from 'three';
import type { Prediction } from '../api/types';
import { createCanvasPanel } from './canvas-panel';
import { COLORS, FONT, fitText, roundRect } from './text';

/** One colour per rank of the top 5 (the dissertation's coloured legend at the output layer). */
export const LEGEND_COLORS = ['#ff6b6b', '#ffb454', '#6fd08c', '#58c4dc', '#b48cff'] as const;

/** The top-5 legend beside the output layer: rank, colour, class, probability; the chosen class outlined. */
export interface OutputLegend {
  readonly object: Mesh;
  /** the classes shown, top first */
  readonly rows: readonly Prediction[];
  readonly chosen: number | null;
  /** show these predictions (the top 5 of them) with `chosen` outlined; repaints only if something changed */
  show(predictions: readonly Prediction[], chosen: number | null): void;
  setHover(classIndex: number | null): void;
  /** the class whose row is at panel uv (u right, v up), or null */
  classAt(u: number, v: number): Prediction | null;
  /** uv of the centre of row i */
  rowUv(i: number): [number, number];
  update(): void;
  dispose(): void;
}

const W = 420;
const H = 300;
const TOP = 58;
const PITCH = 46;
const ROW_H = 40;
export const LEGEND_WORLD = { width: 0.7, height: (0.7 * H) / W };

export function createOutputLegend(): OutputLegend {
  const panel = createCanvasPanel(W, H, LEGEND_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = 'output-legend';
  let rows: readonly Prediction[] = [];
  let chosen: number | null = null;
  let hover: number | null = null;

  const paint = () => {
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = COLORS.card;
    roundRect(ctx, 0, 0, W, H, 14);
    ctx.fill();
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 22px ${FONT}`;
    fitText(ctx, rows.length ? 'Top 5 · click a class to explain it' : 'Top 5 · no input yet', 16, 36, W - 32);
    rows.forEach((p, i) => {
      const y = TOP + i * PITCH;
      ctx.fillStyle = p.index === hover ? COLORS.buttonHover : 'rgba(255,255,255,0.06)';
      roundRect(ctx, 12, y, W - 24, ROW_H, 6);
      ctx.fill();
      if (p.index === chosen) {
        ctx.strokeStyle = COLORS.text;
        ctx.lineWidth = 3;
        ctx.stroke();
      }
      ctx.fillStyle = LEGEND_COLORS[i];
      ctx.fillRect(22, y + 8, 24, 24);
      ctx.fillStyle = COLORS.text;
      ctx.font = `${i === 0 ? 600 : 400} 19px ${FONT}`;
      fitText(ctx, `${i + 1}  ${p.name}`, 56, y + 27, W - 170);
      ctx.textAlign = 'right';
      ctx.fillText(`${(p.probability * 100).toFixed(1)}%`, W - 24, y + 27);
      ctx.textAlign = 'left';
    });
  };

  return {
    object: mesh,
    get rows() {
      return rows;
    },
    get chosen() {
      return chosen;
    },
    show(predictions, c) {
      const top = predictions.slice(0, LEGEND_COLORS.length);
      const same = top.length === rows.length && top.every((p, i) => p.index === rows[i].index && p.probability === rows[i].probability);
      if (same && c === chosen) return;
      rows = top;
      chosen = c;
      panel.invalidate();
    },
    setHover(classIndex) {
      if (classIndex === hover) return;
      hover = classIndex;
      panel.invalidate();
    },
    classAt(u, v) {
      const y = (1 - v) * H - TOP;
      const i = Math.floor(y / PITCH);
      const x = u * W;
      if (x < 12 || x > W - 12 || y < 0 || i >= rows.length || y - i * PITCH > ROW_H) return null;
      return rows[i];
    },
    rowUv: (i) => [0.5, 1 - (TOP + i * PITCH + ROW_H / 2) / H],
    update: panel.update,
    dispose: panel.dispose,
  };
}
