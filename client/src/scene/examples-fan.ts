import type { Mesh } from 'three';
import { createCanvasPanel } from './canvas-panel';
import { COLORS, FONT, MONO, fitText, formatValue, roundRect } from './text';

/** One example of a channel's top-k: a dataset image, its activation and where in the map it peaked. */
export interface FanExample {
  image: number;
  value: number;
  rank: number;
  /** peak position as a fraction of the map (0..1, x right, y down) */
  at: [number, number];
  bitmap: ImageBitmap | null;
}

/** The top-9 of one channel fanned out beside its panel; any example can be picked up. */
export interface ExamplesFan {
  readonly object: Mesh;
  readonly title: string;
  readonly examples: readonly FanExample[];
  show(title: string, examples: FanExample[]): void;
  /** an example's image arrived */
  repaint(): void;
  setHover(i: number | null): void;
  /** the example at panel uv (u right, v up), or null */
  exampleAt(u: number, v: number): FanExample | null;
  /** uv of the centre of example i */
  exampleUv(i: number): [number, number];
  update(): void;
  dispose(): void;
}

const W = 600;
const H = 690;
const COLS = 3;
const TOP = 60;
const CELL = (W - 20) / COLS;
const THUMB = 160;
const CELL_H = 206;
export const FAN_WORLD = { width: 0.75, height: (0.75 * H) / W };

/** 3×3 dataset images with rank and value and a ring where the unit fired most; one canvas, one draw call. */
export function createExamplesFan(): ExamplesFan {
  const panel = createCanvasPanel(W, H, FAN_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = 'examples-fan';
  mesh.visible = false;
  let title = '';
  let examples: FanExample[] = [];
  let hover: number | null = null;

  const origin = (i: number) => [10 + (i % COLS) * CELL + (CELL - THUMB) / 2, TOP + Math.floor(i / COLS) * CELL_H];

  const paint = () => {
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = COLORS.card;
    roundRect(ctx, 0, 0, W, H, 14);
    ctx.fill();
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 22px ${FONT}`;
    fitText(ctx, title, 16, 32, W - 32);
    ctx.fillStyle = COLORS.dim;
    ctx.font = `14px ${FONT}`;
    fitText(ctx, 'most activating dataset images · click one to pick it up, then drop it on the input', 16, 52, W - 32);
    examples.forEach((e, i) => paintExample(e, i));
  };

  const paintExample = (e: FanExample, i: number) => {
    const [x, y] = origin(i);
    ctx.fillStyle = '#0b0d12';
    ctx.fillRect(x, y, THUMB, THUMB);
    if (e.bitmap) {
      ctx.drawImage(e.bitmap, x, y, THUMB, THUMB);
      ctx.strokeStyle = COLORS.accent;
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(x + e.at[0] * THUMB, y + e.at[1] * THUMB, 12, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (hover === i) {
      ctx.strokeStyle = COLORS.accent;
      ctx.lineWidth = 6;
      ctx.strokeRect(x - 3, y - 3, THUMB + 6, THUMB + 6);
    }
    ctx.fillStyle = COLORS.text;
    ctx.font = `14px ${MONO}`;
    ctx.textAlign = 'center';
    fitText(ctx, `#${e.rank + 1} · img ${e.image} · ${formatValue(e.value)}`, x + THUMB / 2, y + THUMB + 22, CELL - 6);
    ctx.textAlign = 'left';
  };

  return {
    object: mesh,
    get title() {
      return title;
    },
    get examples() {
      return examples;
    },
    show(t, list) {
      title = t;
      examples = list;
      hover = null;
      mesh.visible = true;
      panel.invalidate();
    },
    repaint: () => panel.invalidate(),
    setHover(i) {
      if (i !== hover) panel.invalidate();
      hover = i;
    },
    exampleAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H;
      const i = examples.findIndex((_, k) => {
        const [ex, ey] = origin(k);
        return x >= ex && x <= ex + THUMB && y >= ey && y <= ey + THUMB;
      });
      return i < 0 ? null : examples[i];
    },
    exampleUv(i) {
      const [x, y] = origin(i);
      return [(x + THUMB / 2) / W, 1 - (y + THUMB / 2) / H];
    },
    update: panel.update,
    dispose: panel.dispose,
  };
}
