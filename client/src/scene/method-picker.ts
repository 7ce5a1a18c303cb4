import type { Mesh } from 'three';
import type { AttributionMethod } from '../api/types';
import { createCanvasPanel, paintCard } from './canvas-panel';
import { COLORS, FONT, fitText, roundRect } from './text';

/** The panel beside the input canvas that chooses the attribution method ("why this class?" by which rule). */
export interface MethodPicker {
  readonly object: Mesh;
  /** the method the next analysis uses */
  readonly selected: string;
  /** the method whose analysis is running (its button says so), or null */
  readonly running: string | null;
  readonly methods: readonly AttributionMethod[];
  setMethods(methods: AttributionMethod[]): void;
  setSelected(name: string): void;
  setRunning(name: string | null): void;
  setHover(name: string | null): void;
  /** the method whose button is at panel uv (u right, v up), or null */
  methodAt(u: number, v: number): string | null;
  /** uv of the centre of a method's button (tests and the VR emulation aim there), or null */
  methodUv(name: string): [number, number] | null;
  /** repaint if something changed */
  update(): void;
  dispose(): void;
}

const W = 512;
const H = 448;
const COLS = 2;
const TOP = 62;
const PITCH = 44;
const BUTTON_H = 36;
const MARGIN = 14;
const BUTTON_W = (W - 2 * MARGIN - (COLS - 1) * 10) / COLS;
export const PICKER_WORLD = { width: 0.8, height: (0.8 * H) / W };

/**
 * One canvas panel (one draw call): a button per registered method, two columns, the chosen one lit; under them
 * what the chosen (or hovered) method gives and what the literature says about its sanity check.
 */
export function createMethodPicker(initial: string): MethodPicker {
  const panel = createCanvasPanel(W, H, PICKER_WORLD, () => paint());
  const { mesh, ctx } = panel;
  mesh.name = 'method-picker';
  let methods: AttributionMethod[] = [];
  let selected = initial;
  let running: string | null = null;
  let hover: string | null = null;

  const buttonBox = (i: number) => {
    const x = MARGIN + (i % COLS) * (BUTTON_W + 10);
    const y = TOP + Math.floor(i / COLS) * PITCH;
    return { x, y };
  };
  const footerY = () => TOP + Math.ceil(Math.max(methods.length, 1) / COLS) * PITCH + 6;

  const paint = () => {
    paintCard(ctx, W, H, { radius: 14, font: `600 24px ${FONT}`, title: 'Attribution method', x: MARGIN + 4, y: 34,
      maxWidth: W - 2 * MARGIN });
    ctx.fillStyle = COLORS.dim;
    ctx.font = `14px ${FONT}`;
    fitText(ctx, methods.length ? 'click one to explain the classes with it' : 'loading the methods…', MARGIN + 4, 54,
      W - 2 * MARGIN);
    methods.forEach((m, i) => paintButton(m, i));
    paintFooter();
  };

  const paintButton = (m: AttributionMethod, i: number) => {
    const { x, y } = buttonBox(i);
    const active = m.name === selected;
    ctx.fillStyle = active ? COLORS.accent : m.name === hover ? COLORS.buttonHover : COLORS.button;
    roundRect(ctx, x, y, BUTTON_W, BUTTON_H, 7);
    ctx.fill();
    ctx.fillStyle = active ? COLORS.card : COLORS.text;
    ctx.font = `${active ? 600 : 500} 16px ${FONT}`;
    const busy = m.name === running ? ' …' : '';
    fitText(ctx, `${m.label}${busy}`, x + 10, y + 24, BUTTON_W - 20);
  };

  const paintFooter = () => {
    const shown = methods.find((m) => m.name === (hover ?? selected));
    if (!shown) return;
    const y = footerY();
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 15px ${FONT}`;
    const gives = shown.layer_maps ? 'maps at every spatial layer + the input' : 'an input-level map only (see the input canvas)';
    fitText(ctx, `${shown.label} (${shown.family}): ${gives}`, MARGIN + 4, y + 16, W - 2 * MARGIN - 8);
    ctx.fillStyle = shown.sanity?.startsWith('known to fail') || shown.sanity?.startsWith('fails') ? COLORS.bad : COLORS.dim;
    ctx.font = `14px ${FONT}`;
    fitText(ctx, shown.sanity ? `sanity: ${shown.sanity}` : 'sanity: checked on every run (badge on the output card)',
      MARGIN + 4, y + 38, W - 2 * MARGIN - 8);
  };

  const changed = <T>(from: T, to: T) => {
    if (from !== to) panel.invalidate();
    return to;
  };

  return {
    object: mesh,
    get selected() {
      return selected;
    },
    get running() {
      return running;
    },
    get methods() {
      return methods;
    },
    setMethods(list) {
      methods = list;
      panel.invalidate();
    },
    setSelected: (name) => (selected = changed(selected, name)),
    setRunning: (name) => (running = changed(running, name)),
    setHover: (name) => (hover = changed(hover, name)),
    methodAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H;
      const i = methods.findIndex((_, k) => {
        const b = buttonBox(k);
        return x >= b.x && x <= b.x + BUTTON_W && y >= b.y && y <= b.y + BUTTON_H;
      });
      return i < 0 ? null : methods[i].name;
    },
    methodUv(name) {
      const i = methods.findIndex((m) => m.name === name);
      if (i < 0) return null;
      const { x, y } = buttonBox(i);
      return [(x + BUTTON_W / 2) / W, 1 - (y + BUTTON_H / 2) / H];
    },
    update: panel.update,
    dispose: panel.dispose,
  };
}
