import { BufferGeometry, Matrix4, Mesh, Vector3 } from 'three';
import type { Camera, Material, Object3D } from 'three';
import { BatchedText, Text, configureTextBuilder } from 'troika-three-text';
// Inter (latin subset) ships with the client: troika would otherwise fetch its fonts from a CDN at run time
import regularUrl from '@fontsource/inter/files/inter-latin-400-normal.woff?url';
import boldUrl from '@fontsource/inter/files/inter-latin-600-normal.woff?url';
import { flattenGlyphs } from './flat-glyphs';

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
 *
 * What is drawn is `object`, the batch's glyphs as a plain triangle list (flat-glyphs.ts: software GL pays per
 * instanced quad) with the batch's own material. troika refreshes that material's per-label data (matrices,
 * colours, one texel row per label) before every frame; here only before frames in which a label changed, so a
 * still scene costs no work in JavaScript and no texture upload.
 */
export class WorldText {
  readonly object: Mesh<BufferGeometry, Material>;
  private readonly batch = new BatchedText();
  private readonly labels = new Set<Text>();
  private pending = 0;
  /** a label was added, removed, moved or re-laid out since the material's label data was last written */
  private stale = true;

  constructor(name: string, private readonly onChange: () => void = () => {}) {
    this.batch.font = regularUrl;
    this.object = new Mesh(new BufferGeometry(), this.batch.material);
    this.object.name = name;
    this.object.frustumCulled = false;
    this.object.renderOrder = 2;
    this.object.onBeforeRender = (renderer, scene, camera, _geometry, material, group) => {
      this.batch.sync(); // lays out labels whose text changed, then repacks the batch ('synccomplete')
      if (!this.stale) return;
      this.stale = false;
      this.batch.onBeforeRender(renderer, scene, camera, this.batch.geometry, material, group);
    };
    (this.batch as unknown as EventTarget3D).addEventListener('synccomplete', () => this.repacked());
  }

  private repacked(): void {
    this.object.geometry.dispose();
    this.object.geometry = flattenGlyphs(this.batch.geometry);
    this.changed();
  }

  private changed(): void {
    this.stale = true;
    this.onChange();
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
    this.batch.addText(t);
    this.stale = true;
    return t;
  }

  setText(label: Text, text: string): void {
    const s = drawable(text);
    if (label.text === s) return;
    label.text = s;
    this.pending++;
    label.sync(() => {
      this.pending--;
      this.changed();
    });
  }

  /** Place a label by a world matrix (null: hide it). */
  place(label: Text, matrix: Matrix4 | null): void {
    label.matrix.copy(matrix ?? HIDDEN);
    this.changed();
  }

  remove(label: Text): void {
    this.batch.removeText(label);
    this.labels.delete(label);
    this.changed();
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
    this.batch.dispose();
    this.object.geometry.dispose();
  }
}

const _m = new Matrix4();

/** Place a label at (x, y) metres of an object's own plane (a canvas panel's centre is 0, 0), just in front of it. */
export function placeOn(text: WorldText, label: Text, object: Object3D, x: number, y: number): void {
  object.updateMatrixWorld();
  text.place(label, _m.copy(object.matrixWorld).multiply(_offset.makeTranslation(x, y, 0.003)));
}
const _offset = new Matrix4();
