import { CanvasTexture, LinearMipmapLinearFilter, Mesh, PlaneGeometry } from 'three';
import { createCanvasMaterial } from './canvas-material';
import { COLORS, fitText, roundRect } from './text';

export interface CanvasPanel {
  readonly mesh: Mesh;
  readonly ctx: CanvasRenderingContext2D;
  /** something shown changed: repaint at the next update() */
  invalidate(): void;
  /** repaint if invalidated; called once per frame */
  update(): void;
  dispose(): void;
}

/**
 * A flat panel showing a 2D canvas of `width`×`height` pixels at `world` size in metres (mip-mapped, unlit): one
 * draw call. `paint` redraws the whole canvas; it runs in update() after invalidate(), so any number of changes
 * within a frame cost one repaint.
 */
export function createCanvasPanel(width: number, height: number, world: { width: number; height: number },
  paint: () => void): CanvasPanel {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const texture = new CanvasTexture(canvas);
  texture.minFilter = LinearMipmapLinearFilter;
  const material = createCanvasMaterial(texture);
  const mesh = new Mesh(new PlaneGeometry(world.width, world.height), material);
  let dirty = true;
  return {
    mesh,
    ctx: canvas.getContext('2d')!,
    invalidate() {
      dirty = true;
    },
    update() {
      if (!dirty) return;
      dirty = false;
      paint();
      texture.needsUpdate = true;
    },
    dispose() {
      texture.dispose();
      material.dispose();
      mesh.geometry.dispose();
    },
  };
}

/** A canvas panel that shows one value or nothing (hidden): the activity flow's class list, the convolution strip. */
export interface ShownPanel<T> {
  readonly panel: CanvasPanel;
  /** what the panel shows; null while it is hidden */
  readonly shown: T | null;
  show(value: T | null): void;
}

/** A hidden `createCanvasPanel` named `name` that `paint`s the value given to `show` (null hides it again). */
export function createShownPanel<T>(name: string, width: number, height: number, world: { width: number; height: number },
  paint: (ctx: CanvasRenderingContext2D, value: T) => void): ShownPanel<T> {
  let shown: T | null = null;
  const panel = createCanvasPanel(width, height, world, () => {
    if (shown === null) panel.ctx.clearRect(0, 0, width, height);
    else paint(panel.ctx, shown);
  });
  panel.mesh.name = name;
  panel.mesh.visible = false;
  return {
    panel,
    get shown() {
      return shown;
    },
    show(value) {
      shown = value;
      panel.mesh.visible = value !== null;
      panel.invalidate();
    },
  };
}

export interface CardLook {
  /** corner radius of the card background (pixels) */
  radius: number;
  /** inset of the background from the canvas edges (pixels; default 0) */
  inset?: number;
  /** CSS font of the title */
  font: string;
  title: string;
  /** left end of the title's baseline, and the width it is shrunk to fit */
  x: number;
  y: number;
  maxWidth: number;
}

/**
 * The look every canvas card shares: the canvas cleared, the rounded card background, the title in the text colour.
 * Leaves the title's fill style and font set.
 */
export function paintCard(ctx: CanvasRenderingContext2D, w: number, h: number, card: CardLook): void {
  const inset = card.inset ?? 0;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = COLORS.card;
  roundRect(ctx, inset, inset, w - 2 * inset, h - 2 * inset, card.radius);
  ctx.fill();
  ctx.fillStyle = COLORS.text;
  ctx.font = card.font;
  fitText(ctx, card.title, card.x, card.y, card.maxWidth);
}
