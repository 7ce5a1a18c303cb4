import type { Mesh } from 'three';
import { createCanvasPanel } from './canvas-panel';
import { COLORS, FONT, roundRect } from './text';

/** What a click on a tile does: follow its activity flow, its feeders, switch it off, or show the layer's filters. */
export type ProbeMode = 'off' | 'flow' | 'feeders' | 'ablate' | 'filters';
export type ProbeButton = Exclude<ProbeMode, 'off'> | 'reset';

/** Buttons in the world for the probing tools, so a VR user (no keyboard) has them too: one draw call. */
export interface ProbeToolbar {
  readonly object: Mesh;
  setMode(mode: ProbeMode): void;
  setHover(button: ProbeButton | null): void;
  /** the button at panel uv (u right, v up), or null */
  buttonAt(u: number, v: number): ProbeButton | null;
  /** uv of a button's centre (tests and the VR emulation aim there) */
  buttonUv(button: ProbeButton): [number, number];
  update(): void;
  dispose(): void;
}

const BUTTONS: { id: ProbeButton; label: string }[] = [
  { id: 'flow', label: 'Flow' }, { id: 'feeders', label: 'Feeders' }, { id: 'ablate', label: 'Switch off' },
  { id: 'filters', label: 'Filters' }, { id: 'reset', label: 'Reset' },
];
const W = 640;
const H = 112;
const TOP = 44;
const GAP = 8;
const BUTTON_W = (W - GAP * (BUTTONS.length + 1)) / BUTTONS.length;
export const TOOLBAR_WORLD = { width: 1.0, height: (1.0 * H) / W };

export function createProbeToolbar(): ProbeToolbar {
  let mode: ProbeMode = 'off';
  let hover: ProbeButton | null = null;
  const panel = createCanvasPanel(W, H, TOOLBAR_WORLD, () => {
    const ctx = panel.ctx;
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = COLORS.card;
    roundRect(ctx, 1, 1, W - 2, H - 2, 14);
    ctx.fill();
    ctx.fillStyle = COLORS.dim;
    ctx.font = `20px ${FONT}`;
    ctx.fillText(`probe a tile (P cycles) · now: ${mode === 'off' ? 'click magnifies' : BUTTONS.find((b) => b.id === mode)?.label}`, 14, 28);
    BUTTONS.forEach((b, i) => {
      const x = GAP + i * (BUTTON_W + GAP);
      ctx.fillStyle = b.id === mode ? COLORS.accent : b.id === hover ? COLORS.buttonHover : COLORS.button;
      roundRect(ctx, x, TOP, BUTTON_W, H - TOP - GAP, 10);
      ctx.fill();
      ctx.fillStyle = b.id === mode ? '#111' : COLORS.text;
      ctx.font = `bold 22px ${FONT}`;
      ctx.textAlign = 'center';
      ctx.fillText(b.label, x + BUTTON_W / 2, TOP + (H - TOP - GAP) / 2 + 8);
      ctx.textAlign = 'left';
    });
  });
  panel.mesh.name = 'probe-toolbar';
  return {
    object: panel.mesh,
    setMode(next) {
      mode = next;
      panel.invalidate();
    },
    setHover(next) {
      if (next === hover) return;
      hover = next;
      panel.invalidate();
    },
    buttonAt(u, v) {
      const x = u * W;
      const y = (1 - v) * H;
      if (y < TOP || y > H - GAP) return null;
      const i = Math.floor((x - GAP / 2) / (BUTTON_W + GAP));
      return BUTTONS[i]?.id ?? null;
    },
    buttonUv(button) {
      const i = BUTTONS.findIndex((b) => b.id === button);
      return [(GAP + i * (BUTTON_W + GAP) + BUTTON_W / 2) / W, 1 - (TOP + (H - TOP - GAP) / 2) / H];
    },
    update: () => panel.update(),
    dispose: () => panel.dispose(),
  };
}
