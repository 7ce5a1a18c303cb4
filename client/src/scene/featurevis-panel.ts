import { LinearMipmapLinearFilter, Mesh, PlaneGeometry, Texture } from 'three';
import type { FeatureVisResult } from '../api/types';
import { createCanvasMaterial } from './canvas-material';

export interface FeatureVisPanel {
  readonly object: Mesh<PlaneGeometry>;
  readonly texture: Texture;
  readonly result: FeatureVisResult;
  /** the channel at a uv on the panel, or null between images */
  channelAt(u: number, v: number): number | null;
  /** uv of the centre of a channel's image on the panel */
  uvOf(channel: number): [number, number];
  /** one channel's image, cut out of the atlas (for the carried item) */
  imageOf(channel: number): HTMLCanvasElement;
  dispose(): void;
}

const GAP = 2; // pixels between images in the server's atlas (api/wire.py image_atlas_png)

/**
 * The RGB results of a feature visualization: ONE quad with the server's atlas as its texture (one draw call,
 * whatever the channel count), `height` metres tall.
 */
export function createFeatureVisPanel(result: FeatureVisResult, atlas: HTMLImageElement, height: number): FeatureVisPanel {
  const texture = new Texture(atlas);
  texture.minFilter = LinearMipmapLinearFilter;
  texture.needsUpdate = true;
  const material = createCanvasMaterial(texture);
  material.transparent = false;
  const aspect = atlas.width / atlas.height;
  const mesh = new Mesh(new PlaneGeometry(height * aspect, height), material);
  mesh.name = `featurevis:${result.layer}`;
  const [cols, rows] = result.grid;
  const cellW = (atlas.width + GAP) / cols;
  const cellH = (atlas.height + GAP) / rows;

  const cell = (u: number, v: number) => {
    const x = u * atlas.width;
    const y = (1 - v) * atlas.height;
    const c = Math.floor(x / cellW);
    const r = Math.floor(y / cellH);
    const inside = x - c * cellW < cellW - GAP && y - r * cellH < cellH - GAP;
    return inside ? r * cols + c : -1;
  };
  return {
    object: mesh, texture, result,
    channelAt(u, v) {
      const i = cell(u, v);
      return i >= 0 && i < result.channels.length ? result.channels[i] : null;
    },
    uvOf(channel) {
      const i = Math.max(0, result.channels.indexOf(channel));
      const x = (i % cols) * cellW + (cellW - GAP) / 2;
      const y = Math.floor(i / cols) * cellH + (cellH - GAP) / 2;
      return [x / atlas.width, 1 - y / atlas.height];
    },
    imageOf(channel) {
      const i = Math.max(0, result.channels.indexOf(channel));
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(cellW - GAP);
      canvas.height = Math.round(cellH - GAP);
      const x = (i % cols) * cellW;
      const y = Math.floor(i / cols) * cellH;
      canvas.getContext('2d')!.drawImage(atlas, x, y, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
      return canvas;
    },
    dispose() {
      mesh.geometry.dispose();
      texture.dispose();
      material.dispose();
    },
  };
}
