import { Matrix4, Vector3 } from 'three';
import type { Camera, Object3D } from 'three';
import { BatchedText, Text, configureTextBuilder } from 'troika-three-text';
// Inter (latin subset) ships with the client: troika would otherwise fetch its fonts from a CDN at run time
import regularUrl from '@fontsource/inter/files/inter-latin-400-normal.woff?url';
import boldUrl from '@fontsource/inter/files/inter-latin-600-normal.woff?url';

configureTextBuilder({ defaultFontURL: regularUrl });

export interface TextStyle {
  /** em size in metres (lines are one em apart: the em box is the text's height) */
  size: number;
  color?: string;
  bold?: boolean;
  anchorX?: 'left' | 'center' | 'right';
  anchorY?: 'top' | 'middle' | 'bottom';
  /** wrap lines longer than this (metres); unset: one line */
  maxWidth?: number;
}

/** troika's batch dispatches 'synccomplete', an event three's typed map does not list */
type EventTarget3D = { addEventListener(type: string, listener: () => void): void };

const HIDDEN = new Matrix4().makeScale(0, 0, 0);
const _corner = new Vector3();
// the fonts' unicode ranges (fontsource's latin subset); other characters would make troika fetch fallback fonts
const OUTSIDE_FONT = /[^\u0020-\u00ff\n\u0131\u0152\u0153\u02bb\u02bc\u02c6\u02da\u02dc\u2000-\u206f\u20ac\u2122\u2191\u2193\u2212\u2215\ufffd]/gu;

/** Text as the fonts can draw it (characters they lack become U+FFFD). */
export const drawable = (s: string) => s.replace(OUTSIDE_FONT, '\ufffd');

/**
 * Crisp signed-distance-field text in the world (troika-three-text): every label of a WorldText is a member of
 * ONE BatchedText, so any number of labels costs one draw call. A label is placed by its matrix (relative to the
 * batch, which stands at the world origin) and hidden by a zero matrix, since the batch ignores `visible`.
 */
export class WorldText {
  readonly object = new BatchedText();
  private readonly labels = new Set<Text>();
  private pending = 0;

  constructor(name: string, private readonly onChange: () => void = () => {}) {
    this.object.name = name;
    this.object.font = regularUrl;
    this.object.frustumCulled = false;
    this.object.renderOrder = 2;
    (this.object as unknown as EventTarget3D).addEventListener('synccomplete', () => this.onChange());
  }

  /** labels still being laid out (their glyphs appear when this is 0) */
  get busy(): boolean {
    return this.pending > 0;
  }

  add(text: string, style: TextStyle): Text {
    const t = new Text();
    t.font = style.bold ? boldUrl : regularUrl;
    t.fontSize = style.size;
    t.lineHeight = 1;
    t.color = style.color ?? '#e8ecf2';
    t.anchorX = style.anchorX ?? 'left';
    t.anchorY = style.anchorY ?? 'top';
    if (style.maxWidth) t.maxWidth = style.maxWidth;
    else t.whiteSpace = 'nowrap';
    t.matrixAutoUpdate = false;
    t.matrix.copy(HIDDEN);
    this.setText(t, text);
    this.labels.add(t);
    this.object.addText(t);
    return t;
  }

  setText(label: Text, text: string): void {
    const s = drawable(text);
    if (label.text === s) return;
    label.text = s;
    this.pending++;
    label.sync(() => {
      this.pending--;
      this.onChange();
    });
  }

  /** Place a label by a world matrix (null: hide it). */
  place(label: Text, matrix: Matrix4 | null): void {
    label.matrix.copy(matrix ?? HIDDEN);
    this.onChange();
  }

  remove(label: Text): void {
    this.object.removeText(label);
    this.labels.delete(label);
    label.dispose();
  }

  /**
   * Screen box (CSS pixels) of a label's laid-out lines as the camera sees it, or null if it is hidden, not laid out
   * yet or behind the camera. Tests measure legibility with it.
   */
  screenBox(label: Text, camera: Camera, canvas: { clientWidth: number; clientHeight: number }) {
    const info = label.textRenderInfo;
    if (!info || !this.labels.has(label) || label.matrix.determinant() === 0) return null;
    const [x0, y0, x1, y1] = info.blockBounds;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [x, y] of [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) {
      _corner.set(x, y, 0).applyMatrix4(label.matrix).applyMatrix4(this.object.matrixWorld);
      if (_corner.clone().applyMatrix4(camera.matrixWorldInverse).z >= 0) return null;
      _corner.project(camera);
      xs.push((_corner.x + 1) / 2 * canvas.clientWidth);
      ys.push((1 - _corner.y) / 2 * canvas.clientHeight);
    }
    const left = Math.min(...xs), right = Math.max(...xs), top = Math.min(...ys), bottom = Math.max(...ys);
    return { left, right, top, bottom, height: bottom - top, width: right - left, text: label.text };
  }

  dispose(): void {
    for (const t of this.labels) t.dispose();
    this.labels.clear();
    this.object.dispose();
  }
}

const _m = new Matrix4();

/** Place a label at (x, y) metres of an object's own plane (a canvas panel's centre is 0, 0), just in front of it. */
export function placeOn(text: WorldText, label: Text, object: Object3D, x: number, y: number): void {
  object.updateMatrixWorld();
  text.place(label, _m.copy(object.matrixWorld).multiply(_offset.makeTranslation(x, y, 0.003)));
}
const _offset = new Matrix4();
