import { CanvasTexture, LinearMipmapLinearFilter, Mesh, PlaneGeometry } from 'three';
import type { FeatureVisResult } from '../api/types';
import { createCanvasMaterial } from './canvas-material';
import { COLORS, FONT, MONO, fitText, roundRect } from './text';

export interface FeatureVisPanel {
  readonly object: Mesh<PlaneGeometry>;
  readonly texture: CanvasTexture;
  readonly result: FeatureVisResult;
  /** what the title band says: layer, channels, style, objective and start */
  readonly title: string;
  /** the painted texture: title band on top, the atlas under it with each image's channel number */
  readonly canvas: HTMLCanvasElement;
  /** canvas pixels of the title band (the atlas starts under it) */
  readonly band: number;
  /** canvas pixel box of each channel number, in the order of the result's channels */
  readonly labels: readonly LabelBox[];
  /** the channel at a uv on the panel, or null between images and on the title */
  channelAt(u: number, v: number): number | null;
  /** uv of the centre of a channel's image on the panel */
  uvOf(channel: number): [number, number];
  /** one channel's image, cut out of the atlas (for the carried item) */
  imageOf(channel: number): HTMLCanvasElement;
  dispose(): void;
}

export interface LabelBox {
  channel: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

const GAP = 2; // pixels between images in the server's atlas (api/wire.py image_atlas_png)

/** The title of a result: which layer, which channels, how (style, objective) and from what start image. */
export function featureVisTitle(result: FeatureVisResult, layerName: string): string {
  const { channels } = result;
  const contiguous = channels.every((c, i) => i === 0 || c === channels[i - 1] + 1);
  const which = channels.length === 1 ? `channel ${channels[0]}`
    : contiguous ? `channels ${channels[0]}–${channels[channels.length - 1]}` : `${channels.length} channels`;
  const objective = result.objective && result.objective !== 'channel()' ? ` · ${result.objective}` : '';
  return `✦ ${layerName} · ${which} · ${result.style ?? 'paper'}${objective} · from ${result.start ?? 'noise'}`;
}

/**
 * The RGB results of a feature visualization: ONE quad (one draw call, whatever the channel count), `height`
 * metres tall, textured with a canvas that holds a title band and the server's atlas with every image's channel
 * number in its top-left corner.
 */
export function createFeatureVisPanel(result: FeatureVisResult, atlas: HTMLImageElement, height: number, layerName: string): FeatureVisPanel {
  const [cols, rows] = result.grid;
  const cellW = (atlas.width + GAP) / cols;
  const cellH = (atlas.height + GAP) / rows;
  const title = featureVisTitle(result, layerName);
  const { canvas, band, labels } = paintPanel(atlas, result, title, cellW, cellH);
  const texture = new CanvasTexture(canvas);
  texture.minFilter = LinearMipmapLinearFilter;
  const material = createCanvasMaterial(texture);
  material.transparent = false;
  const mesh = new Mesh(new PlaneGeometry(height * (canvas.width / canvas.height), height), material);
  mesh.name = `featurevis:${result.layer}`;

  // atlas pixel (x, y) of a panel uv; the title band sits above the atlas
  const atlasXY = (u: number, v: number) => [u * atlas.width, (1 - v) * canvas.height - band];
  const cell = (u: number, v: number) => {
    const [x, y] = atlasXY(u, v);
    if (y < 0) return -1;
    const c = Math.floor(x / cellW);
    const r = Math.floor(y / cellH);
    const inside = x - c * cellW < cellW - GAP && y - r * cellH < cellH - GAP;
    return inside ? r * cols + c : -1;
  };
  return {
    object: mesh, texture, result, title, canvas, band, labels,
    channelAt(u, v) {
      const i = cell(u, v);
      return i >= 0 && i < result.channels.length ? result.channels[i] : null;
    },
    uvOf(channel) {
      const i = Math.max(0, result.channels.indexOf(channel));
      const x = (i % cols) * cellW + (cellW - GAP) / 2;
      const y = band + Math.floor(i / cols) * cellH + (cellH - GAP) / 2;
      return [x / canvas.width, 1 - y / canvas.height];
    },
    imageOf(channel) {
      const i = Math.max(0, result.channels.indexOf(channel));
      const out = document.createElement('canvas');
      out.width = Math.round(cellW - GAP);
      out.height = Math.round(cellH - GAP);
      const x = (i % cols) * cellW;
      const y = Math.floor(i / cols) * cellH;
      out.getContext('2d')!.drawImage(atlas, x, y, out.width, out.height, 0, 0, out.width, out.height);
      return out;
    },
    dispose() {
      mesh.geometry.dispose();
      texture.dispose();
      material.dispose();
    },
  };
}

/** Title band (a tenth of the atlas' larger side, at least 44 px) over the atlas, and the channel numbers. */
function paintPanel(atlas: HTMLImageElement, result: FeatureVisResult, title: string, cellW: number, cellH: number) {
  const band = Math.round(Math.max(44, 0.1 * Math.max(atlas.width, atlas.height)));
  const canvas = document.createElement('canvas');
  canvas.width = atlas.width;
  canvas.height = atlas.height + band;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = COLORS.card;
  ctx.fillRect(0, 0, canvas.width, band);
  ctx.fillStyle = COLORS.text;
  ctx.textBaseline = 'middle';
  ctx.font = `600 ${Math.round(band * 0.5)}px ${FONT}`;
  fitText(ctx, title, band * 0.2, band / 2, canvas.width - band * 0.4);
  ctx.drawImage(atlas, 0, band);
  // numbers in the images' corners: a dark plate under light digits reads on any image
  const size = Math.max(11, Math.round(Math.min(cellW, cellH) * 0.13));
  ctx.font = `600 ${size}px ${MONO}`;
  const labels = result.channels.map((channel, i): LabelBox => {
    const text = String(channel);
    const w = ctx.measureText(text).width + size * 0.6;
    const h = size * 1.3;
    const x = (i % result.grid[0]) * cellW + size * 0.2;
    const y = band + Math.floor(i / result.grid[0]) * cellH + size * 0.2;
    ctx.fillStyle = 'rgba(10,12,16,0.78)';
    roundRect(ctx, x, y, w, h, size * 0.25);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ctx.fillText(text, x + size * 0.3, y + h / 2);
    return { channel, x, y, w, h };
  });
  return { canvas, band, labels };
}
