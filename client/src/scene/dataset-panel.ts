import { Matrix4 } from 'three';
import type { Mesh } from 'three';
import type { Text } from 'troika-three-text';
import { createCanvasPanel, paintCard } from './canvas-panel';
import { placeOn } from './world-text';
import type { WorldText } from './world-text';
import type { ApiClient } from '../api/client';
import type { DatasetInfo, DatasetItem } from '../api/types';
import { COLORS, FONT, roundRect } from './text';

export type DatasetTarget =
  | { kind: 'item'; item: DatasetItem; image: CanvasImageSource | null }
  | { kind: 'prev' | 'next' | 'noise' }
  /** leave a ranking, back to the dataset's pages */
  | { kind: 'all' }
  | null;

export interface DatasetPanel {
  readonly object: Mesh;
  readonly dataset: DatasetInfo;
  readonly page: number;
  readonly items: readonly DatasetItem[];
  /** what is at panel uv (x right, y up) */
  targetAt(u: number, v: number): DatasetTarget;
  setHover(target: DatasetTarget): void;
  showPage(page: number): Promise<void>;
  /** the dataset has `total` items now (an edited input was saved): pages and the count follow */
  setSize(total: number): void;
  /** the page that shows item `index` */
  pageOf(index: number): number;
  readonly size: number;
  /**
   * Show these images in this order instead of a page (e.g. the most activating ones for a channel, from the
   * precomputed top-k), each with a note under it; the prev button leads back to the pages.
   */
  showRanking(title: string, entries: { index: number; note: string }[]): Promise<void>;
  /** the title of the ranking shown, or null when a page is shown */
  readonly ranking: string | null;
  /** the SDF captions under the shown thumbnails (tests measure them) */
  readonly captions: readonly Text[];
  /** uv centre of item slot i on the current page (tests, benchmarks) */
  itemUv(i: number): [number, number];
  update(): void;
  dispose(): void;
}

const W = 1024;
const H = 820;
const COLS = 6;
const ROWS = 4;
export const PAGE_SIZE = COLS * ROWS;
const GRID_Y = 64;
const CELL_W = W / COLS;
const CELL_H = 168;
const THUMB = 132;
const BAR_Y = GRID_Y + ROWS * CELL_H + 10;
const BUTTONS = { prev: [16, 150], next: [180, 150], noise: [W - 200, 184] } as const;
export const DATASET_WORLD = { width: 2.0, height: (2.0 * H) / W };
/** metres per canvas pixel */
const M = DATASET_WORLD.width / W;
/** em of the captions: ≥ 12 px from the start spot (~2.6 m away on an 800 px tall view) */
const CAPTION_EM = 0.062;

/** Paged grid of dataset thumbnails with class labels, prev/next buttons and the noise generator; one draw. */
export function createDatasetPanel(
  api: ApiClient, dataset: DatasetInfo, texts: WorldText, onError: (err: unknown) => void,
): DatasetPanel {
  const panel = createCanvasPanel(W, H, DATASET_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = `dataset:${dataset.id}`;
  let items: DatasetItem[] = [];
  let images: (ImageBitmap | null)[] = [];
  let page = 0;
  let hover: DatasetTarget = null;
  let request = 0;
  let ranking: { title: string; notes: string[] } | null = null;
  let size = dataset.size;
  let pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
  // the captions are SDF text over the canvas, clipped to their cell
  const half = (CELL_W - 8) * M / 2;
  const captions = Array.from({ length: PAGE_SIZE }, () => {
    const t = texts.add('', { size: CAPTION_EM, anchorX: 'center', anchorY: 'middle' });
    t.clipRect = [-half, -CAPTION_EM, half, CAPTION_EM];
    return t;
  });
  const placedAt = new Matrix4().makeScale(0, 0, 0);
  const placeCaptions = () => {
    if (!mesh.visible) { // hidden (fly-to, a hidden network): its text hides with it, and comes back placed anew
      if (placedAt.determinant() !== 0) for (const t of captions) texts.place(t, null);
      placedAt.makeScale(0, 0, 0);
      return;
    }
    mesh.updateMatrixWorld();
    if (placedAt.equals(mesh.matrixWorld)) return;
    placedAt.copy(mesh.matrixWorld);
    captions.forEach((t, i) => {
      if (!items[i]) return texts.place(t, null);
      const x = (i % COLS) * CELL_W + CELL_W / 2;
      const y = GRID_Y + Math.floor(i / COLS) * CELL_H + THUMB + 18;
      placeOn(texts, t, mesh, x * M - DATASET_WORLD.width / 2, DATASET_WORLD.height / 2 - y * M);
    });
  };
  const writeCaptions = () => {
    captions.forEach((t, i) => texts.setText(t, items[i] ? ranking?.notes[i] ?? items[i].class_name ?? `#${items[i].index}` : ''));
    placedAt.makeScale(0, 0, 0);
  };

  const paint = () => {
    paintCard(ctx, W, H, { radius: 16, font: `600 28px ${FONT}`, title: ranking ? ranking.title : `Dataset · ${dataset.name}`,
      x: 20, y: 42, maxWidth: W - 300 });
    ctx.textAlign = 'right';
    ctx.font = `18px ${FONT}`;
    ctx.fillStyle = COLORS.dim;
    ctx.fillText(`${size} images · click one to pick it up`, W - 20, 40);
    ctx.textAlign = 'left';
    for (let i = 0; i < PAGE_SIZE; i++) paintItem(i);
    paintButton('prev', ranking ? '✕ all images' : '◀ prev', ranking !== null || page > 0);
    if (!ranking) paintButton('next', 'next ▶', page < pages - 1);
    paintButton('noise', '🎲 noise', true);
    ctx.fillStyle = COLORS.dim;
    ctx.font = `18px ${FONT}`;
    ctx.fillText(ranking ? 'best first' : `page ${page + 1} / ${pages}`, 350, BAR_Y + 32);
  };

  const paintItem = (i: number) => {
    const item = items[i];
    if (!item) return;
    const x = (i % COLS) * CELL_W + (CELL_W - THUMB) / 2;
    const y = GRID_Y + Math.floor(i / COLS) * CELL_H;
    ctx.fillStyle = '#0b0d12';
    ctx.fillRect(x, y, THUMB, THUMB);
    const img = images[i];
    if (img) ctx.drawImage(img, x, y, THUMB, THUMB);
    if (hover?.kind === 'item' && hover.item.index === item.index) {
      ctx.strokeStyle = COLORS.accent;
      ctx.lineWidth = 6;
      ctx.strokeRect(x - 3, y - 3, THUMB + 6, THUMB + 6);
    }
  };

  const paintButton = (id: keyof typeof BUTTONS, label: string, enabled: boolean) => {
    const [x, w] = BUTTONS[id];
    ctx.fillStyle = hover?.kind === id ? COLORS.buttonHover : COLORS.button;
    roundRect(ctx, x, BAR_Y, w, 48, 8);
    ctx.fill();
    ctx.fillStyle = enabled ? COLORS.text : COLORS.dim;
    ctx.font = `600 20px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillText(label, x + w / 2, BAR_Y + 32);
    ctx.textAlign = 'left';
  };

  const showPage = async (p: number) => {
    const mine = ++request;
    const result = await api.datasetItems(dataset.id, p * PAGE_SIZE, PAGE_SIZE);
    if (mine !== request) return;
    page = p;
    ranking = null;
    show(mine, result.items);
  };

  const showRanking = async (title: string, entries: { index: number; note: string }[]) => {
    const mine = ++request;
    // the class of each image, as a page shows it (one item each: rankings are short)
    const found = await Promise.all(entries.slice(0, PAGE_SIZE).map((e) => api.datasetItems(dataset.id, e.index, 1)));
    if (mine !== request) return;
    ranking = { title, notes: entries.map((e) => e.note) };
    show(mine, found.map((r, i) => r.items[0] ?? { index: entries[i].index, label: null, class_name: null }));
  };

  const show = (mine: number, shown: DatasetItem[]) => {
    items = shown;
    images = items.map(() => null);
    writeCaptions();
    panel.invalidate();
    items.forEach(async (item, i) => {
      try {
        const what = `load image ${item.index} of ${dataset.name}`;
        const bitmap = await api.image(api.datasetImageUrl(dataset.id, item.index), what);
        if (mine !== request) return;
        images[i] = bitmap;
        panel.invalidate();
      } catch (err) {
        if (mine === request) onError(err);
      }
    });
  };

  return {
    object: mesh, dataset,
    get page() {
      return page;
    },
    get items() {
      return items;
    },
    targetAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H;
      if (y >= BAR_Y && y <= BAR_Y + 48) {
        for (const id of ['prev', 'next', 'noise'] as const) {
          const [bx, bw] = BUTTONS[id];
          if (x < bx || x > bx + bw || (ranking && id === 'next')) continue;
          return ranking && id === 'prev' ? { kind: 'all' } : { kind: id };
        }
        return null;
      }
      const col = Math.floor(x / CELL_W);
      const row = Math.floor((y - GRID_Y) / CELL_H);
      if (y < GRID_Y || row >= ROWS) return null;
      const i = row * COLS + col;
      return items[i] ? { kind: 'item', item: items[i], image: images[i] } : null;
    },
    setHover(target) {
      const same = target?.kind === hover?.kind && (target?.kind !== 'item' || (hover?.kind === 'item' && hover.item === target.item));
      if (same) return;
      hover = target;
      panel.invalidate();
    },
    showPage: (p) => showPage(Math.max(0, Math.min(pages - 1, p))),
    setSize(total) {
      size = total;
      pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
      panel.invalidate();
    },
    pageOf: (index) => Math.floor(index / PAGE_SIZE),
    get size() {
      return size;
    },
    showRanking,
    get ranking() {
      return ranking?.title ?? null;
    },
    itemUv(i) {
      const x = (i % COLS) * CELL_W + CELL_W / 2;
      const y = GRID_Y + Math.floor(i / COLS) * CELL_H + THUMB / 2;
      return [x / W, 1 - y / H];
    },
    captions,
    update() {
      placeCaptions();
      panel.update();
    },
    dispose() {
      captions.forEach((t) => texts.remove(t));
      panel.dispose();
    },
  };
}
