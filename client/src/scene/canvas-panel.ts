import { CanvasTexture, LinearMipmapLinearFilter, Mesh, PlaneGeometry } from 'three';
import { createCanvasMaterial } from './canvas-material';

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
