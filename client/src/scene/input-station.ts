import { Matrix4 } from 'three';
import type { Mesh } from 'three';
import type { Text } from 'troika-three-text';
import { createCanvasPanel } from './canvas-panel';
import type { ClassChange, Prediction } from '../api/types';
import { COLORS, FONT, fitText, roundRect } from './text';
import { placeOn } from './world-text';
import type { WorldText } from './world-text';

export type DropHint = 'none' | 'can-drop' | 'busy';

export interface InputStation {
  readonly object: Mesh;
  setImage(image: ImageBitmap): void;
  setClassification(predictions: Prediction[]): void;
  setDropHint(state: DropHint): void;
  /** 'busy' from a drop until the network shows the dropped input */
  readonly dropHint: DropHint;
  /** the class whose attribution is shown (its bar is outlined); null: none */
  setTarget(classIndex: number | null): void;
  /** input-level attribution laid over the image (null: none) and the line above the bars that explains it */
  setOverlay(overlay: CanvasImageSource | null, note: string | null): void;
  /**
   * An occlusion edit's classification before and after (the bars show after, a tick at before and the change
   * as a green or red bar); null: the plain classification.
   */
  setChanges(changes: readonly ClassChange[] | null): void;
  /** drawn over the image (occlusion block outlines): `paint(ctx, x, y, w, h)` gets the image's box on the canvas */
  setMarks(paint: ((ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number) => void) | null): void;
  /** the marks changed: repaint */
  invalidate(): void;
  /** the prediction whose bar is at canvas uv (u right, v up), or null */
  predictionAt(u: number, v: number): Prediction | null;
  /** uv of the centre of the i-th bar */
  barUv(i: number): [number, number];
  /** where canvas uv falls on the image, as fractions of its width and height (outside the image: < 0 or > 1) */
  imagePoint(u: number, v: number): [number, number];
  /** canvas uv of a point of the image given as fractions of its width and height */
  imageUv(fx: number, fy: number): [number, number];
  /** the classes the bars show, top first (with an edit: after it) */
  readonly rows: readonly Prediction[];
  /** redraw if something changed; called once per frame */
  update(): void;
  readonly classificationText: string;
  /** the SDF labels of the classification rows (class name and probability per row; tests measure them) */
  readonly rowLabels: readonly Text[];
  /** the line above the bars while an attribution is shown */
  readonly note: string | null;
  dispose(): void;
}

const W = 512;
const H = 880;
const IMAGE_Y = H - W;
const BAR_Y = 84;
const BAR_PITCH = 54;
const BAR_H = 48;
const BAR_GAP = BAR_PITCH - BAR_H;
const BARS_HEIGHT = 5 * BAR_PITCH; // what the header has room for
/** label rows: the top 5, and with an edit the class that was first before if it left them */
const ROWS = 6;
export const STATION_WORLD = { width: 1.0, height: (1.0 * H) / W };
/** metres per canvas pixel */
const M = STATION_WORLD.width / W;
/** em of the rows' text: ≥ 12 px from the start spot (~2.7 m away on an 800 px tall view) */
const ROW_EM = 0.072;

/**
 * The network's input canvas: network name, top-k classification bars with class names, and the current input
 * image; one canvas texture, one draw call. It is also the drop target for carried images.
 */
export function createInputStation(title: string, texts: WorldText): InputStation {
  const panel = createCanvasPanel(W, H, STATION_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = 'input-station';
  let image: CanvasImageSource | null = null;
  let predictions: Prediction[] = [];
  let hint: DropHint = 'none';
  let target: number | null = null;
  let overlay: CanvasImageSource | null = null;
  let note: string | null = null;
  let changes: readonly ClassChange[] | null = null;
  let marks: ((ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number) => void) | null = null;
  const layout = () => barRows(predictions, changes);
  // SDF text: the title and, per row, the class name (left) and its probability (right)
  const titleLabel = texts.add(title, { size: 0.055, bold: true, anchorY: 'middle' });
  const rows = Array.from({ length: ROWS }, () => ({
    name: texts.add('', { size: ROW_EM, anchorY: 'middle' }),
    value: texts.add('', { size: ROW_EM, anchorX: 'right', anchorY: 'middle' }),
  }));
  const placedAt = new Matrix4().makeScale(0, 0, 0);
  const placeLabels = () => {
    if (!mesh.visible) { // hidden (fly-to, a hidden network): its text hides with it, and comes back placed anew
      if (placedAt.determinant() !== 0) for (const t of [titleLabel, ...rows.flatMap((r) => [r.name, r.value])]) texts.place(t, null);
      placedAt.makeScale(0, 0, 0);
      return;
    }
    mesh.updateMatrixWorld();
    if (placedAt.equals(mesh.matrixWorld)) return;
    placedAt.copy(mesh.matrixWorld);
    const at = (px: number, py: number): [number, number] => [px * M - STATION_WORLD.width / 2, STATION_WORLD.height / 2 - py * M];
    placeOn(texts, titleLabel, mesh, ...at(18, 32));
    const { rows: shownRows, pitch } = layout();
    rows.forEach((row, i) => {
      const shown = i < shownRows.length;
      const y = BAR_Y + i * pitch + (pitch - BAR_GAP) / 2;
      if (shown) {
        placeOn(texts, row.name, mesh, ...at(28, y));
        placeOn(texts, row.value, mesh, ...at(W - 26, y));
      } else {
        texts.place(row.name, null);
        texts.place(row.value, null);
      }
    });
  };
  const writeRows = () => {
    const { rows: shownRows, byIndex } = layout();
    const room = W - 36 - (changes ? 170 : 110);
    rows.forEach((row, i) => {
      const p = shownRows[i];
      const c = p && byIndex.get(p.index);
      const delta = c ? ` ${c.change >= 0 ? '+' : '−'}${Math.abs(c.change * 100).toFixed(1)}` : '';
      texts.setText(row.name, p ? p.name : '');
      texts.setText(row.value, p ? `${(p.probability * 100).toFixed(1)}%${delta}` : '');
      row.name.maxWidth = room * M;
      row.name.clipRect = [0, -ROW_EM, room * M, ROW_EM];
    });
    placedAt.makeScale(0, 0, 0); // rows shown changed: place again
  };

  const paint = () => {
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = COLORS.card;
    roundRect(ctx, 0, 0, W, IMAGE_Y - 8, 14);
    ctx.fill();
    ctx.font = `17px ${FONT}`;
    ctx.fillStyle = COLORS.dim;
    const edited = changes ? 'occlusion edit · bar: after, │ before, green/red: change' : null;
    const subtitle = note ?? edited ?? (predictions.length ? 'classification · click a class to explain it' : 'drop an image here');
    fitText(ctx, subtitle, 18, 70, W - 36);
    const { rows: shownRows, pitch, byIndex } = layout();
    for (const [i, p] of shownRows.entries()) {
      paintBar(ctx, p, 18, BAR_Y + i * pitch, W - 36, pitch - BAR_GAP, i === 0, p.index === target, byIndex.get(p.index));
    }
    ctx.fillStyle = '#000';
    ctx.fillRect(0, IMAGE_Y, W, W);
    if (image) ctx.drawImage(image, 0, IMAGE_Y, W, W);
    if (image && overlay) ctx.drawImage(overlay, 0, IMAGE_Y, W, W); // the input map blended over the image
    marks?.(ctx, 0, IMAGE_Y, W, W);
    if (hint !== 'none') {
      ctx.strokeStyle = hint === 'busy' ? COLORS.dim : COLORS.accent;
      ctx.lineWidth = 10;
      ctx.setLineDash(hint === 'busy' ? [18, 12] : []);
      ctx.strokeRect(5, IMAGE_Y + 5, W - 10, W - 10);
      ctx.setLineDash([]);
    }
  };

  return {
    object: mesh,
    get note() {
      return note;
    },
    get rowLabels() {
      const shown = layout().rows.length;
      return rows.filter((_, i) => i < shown).flatMap((r) => [r.name, r.value]);
    },
    get classificationText() {
      return predictions.map((p) => `${p.name} ${(p.probability * 100).toFixed(1)}%`).join('; ');
    },
    setImage(bitmap) {
      image = bitmap;
      panel.invalidate();
    },
    setClassification(p) {
      predictions = p;
      writeRows();
      panel.invalidate();
    },
    get dropHint() {
      return hint;
    },
    setDropHint(state) {
      if (state !== hint) panel.invalidate();
      hint = state;
    },
    setTarget(classIndex) {
      target = classIndex;
      panel.invalidate();
    },
    setOverlay(o, text) {
      overlay = o;
      note = text;
      panel.invalidate();
    },
    setChanges(c) {
      changes = c;
      writeRows();
      panel.invalidate();
    },
    setMarks(paint) {
      marks = paint;
      panel.invalidate();
    },
    invalidate: () => panel.invalidate(),
    get rows() {
      return layout().rows;
    },
    predictionAt(u, v) {
      const { rows: shownRows, pitch } = layout();
      const x = u * W;
      const y = (1 - v) * H - BAR_Y;
      const i = Math.floor(y / pitch);
      if (x < 18 || x > W - 18 || y < 0 || i >= shownRows.length || y - i * pitch > pitch - BAR_GAP) return null;
      return shownRows[i];
    },
    barUv: (i) => {
      const { pitch } = layout();
      return [0.5, 1 - (BAR_Y + i * pitch + (pitch - BAR_GAP) / 2) / H];
    },
    imagePoint: (u, v) => [u, ((1 - v) * H - IMAGE_Y) / W],
    imageUv: (fx, fy) => [fx, 1 - (IMAGE_Y + fy * W) / H],
    update() {
      placeLabels();
      panel.update();
    },
    dispose() {
      for (const t of [titleLabel, ...rows.flatMap((r) => [r.name, r.value])]) texts.remove(t);
      panel.dispose();
    },
  };
}

/**
 * The bars: the top 5; with an occlusion edit the top 5 after it, plus the class that was first before if it
 * left them (the dissertation's weasel that became a guinea pig), in the same space.
 */
function barRows(predictions: readonly Prediction[], changes: readonly ClassChange[] | null) {
  const byIndex = new Map((changes ?? []).map((c) => [c.index, c]));
  if (!changes?.length) return { rows: predictions.slice(0, 5), pitch: BAR_PITCH, byIndex };
  const rows = [...changes].sort((a, b) => b.after - a.after).slice(0, 5);
  const firstBefore = [...changes].sort((a, b) => b.before - a.before)[0];
  if (!rows.includes(firstBefore)) rows.push(firstBefore);
  const shown = rows.map((c) => ({ index: c.index, name: c.name, probability: c.after }));
  return { rows: shown, pitch: Math.min(BAR_PITCH, BARS_HEIGHT / rows.length), byIndex };
}

function paintBar(
  ctx: CanvasRenderingContext2D, p: Prediction, x: number, y: number, w: number, h: number, first: boolean,
  target: boolean, change: ClassChange | undefined,
): void {
  ctx.fillStyle = 'rgba(255,255,255,0.07)';
  roundRect(ctx, x, y, w, h, 6);
  ctx.fill();
  if (target) {
    ctx.strokeStyle = COLORS.text;
    ctx.lineWidth = 3;
    ctx.stroke();
  }
  // the class name and probability are SDF labels over the bar
  ctx.fillStyle = first ? 'rgba(255,180,84,0.75)' : 'rgba(88,196,220,0.45)';
  roundRect(ctx, x, y, Math.max(4, w * p.probability), h, 6);
  ctx.fill();
  if (change) paintChange(ctx, change, x, y, w, h);
}

/** The change of one class: a thin bar from before to after along the bottom, and a tick where it was before. */
function paintChange(ctx: CanvasRenderingContext2D, c: ClassChange, x: number, y: number, w: number, h: number): void {
  const [a, b] = [x + w * Math.min(c.before, c.after), x + w * Math.max(c.before, c.after)];
  ctx.fillStyle = c.change >= 0 ? COLORS.ok : COLORS.bad;
  ctx.fillRect(a, y + h - 6, Math.max(2, b - a), 6);
  ctx.fillStyle = COLORS.text;
  ctx.fillRect(x + w * c.before - 1.5, y, 3, h);
}
