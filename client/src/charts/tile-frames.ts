import { BufferAttribute, BufferGeometry, LineBasicMaterial, LineSegments, Vector2 } from 'three';
import type { LayerPanel } from '../scene/layer-panel';
import { COLORS } from '../scene/text';

/** Frames around the selected filters' maps on a layer panel (the panel end of the linked selection). */
export interface TileFrames {
  readonly channels: readonly number[];
  /** centre of a framed map in the panel's uv (0..1, v up), for tests and tooltips */
  uvOf(channel: number): Vector2 | null;
  show(channels: Iterable<number>): void;
  dispose(): void;
}

const _uv = new Vector2();
const INSETS = [0, 0.18]; // two nested frames: still visible when a map is only a few pixels on screen

/**
 * One LineSegments child of the panel's mesh (so it follows drags and scaling): one draw call per panel with a
 * selection, none without. The panel decides where a channel's map is (its importance order may move maps), so the
 * frames ask it: the map under each grid cell's centre.
 */
export function createTileFrames(panel: LayerPanel, color: string = COLORS.accent, name = 'tile-frames'): TileFrames {
  const geometry = new BufferGeometry();
  const lines = new LineSegments(geometry, new LineBasicMaterial({ color, depthTest: false }));
  lines.name = `${name}:${panel.node.id}`;
  lines.renderOrder = 10;
  lines.frustumCulled = false;
  lines.visible = false;
  panel.object.add(lines);
  let channels: number[] = [];
  const cellOf = () => channelCells(panel);
  return {
    get channels() {
      return channels;
    },
    uvOf(channel) {
      const k = cellOf().get(channel);
      return k === undefined ? null : cellCentre(panel, k, new Vector2());
    },
    show(selected) {
      const cells = cellOf();
      channels = [...selected].filter((c) => cells.has(c));
      const out = new Float32Array(channels.length * INSETS.length * 24);
      channels.forEach((c, i) => INSETS.forEach((inset, j) => frame(panel, cells.get(c)!, inset, out, (i * INSETS.length + j) * 24)));
      geometry.setAttribute('position', new BufferAttribute(out, 3));
      lines.visible = channels.length > 0;
    },
    dispose() {
      panel.object.remove(lines);
      geometry.dispose();
      (lines.material as LineBasicMaterial).dispose();
    },
  };
}

/** channel → the grid cell showing its map (the panel's importance order may move maps) */
export function channelCells(panel: LayerPanel): Map<number, number> {
  const cells = new Map<number, number>();
  for (let k = 0; k < panel.atlas.channels; k++) {
    const hit = panel.hitAt(cellCentre(panel, k, _uv));
    if (hit) cells.set(hit.channel, k);
  }
  return cells;
}

/** Grid cell k's box in the mesh's local coordinates (the unit quad, y up): half a texel outside the map (in the
 * gap), or `inset` of the map's size inside it. */
function cellBox(panel: LayerPanel, k: number, inset: number): [number, number, number, number] {
  const a = panel.atlas;
  const col = k % a.cols;
  const row = Math.floor(k / a.cols);
  const padX = inset > 0 ? inset * a.cellW : -0.5;
  const padY = inset > 0 ? inset * a.cellH : -0.5;
  const x0 = (col * a.pitchX + padX) / a.width - 0.5;
  const x1 = (col * a.pitchX + a.cellW - padX) / a.width - 0.5;
  const y0 = 0.5 - (row * a.pitchY + a.cellH - padY) / a.height;
  const y1 = 0.5 - (row * a.pitchY + padY) / a.height;
  return [x0, y0, x1, y1];
}

function frame(panel: LayerPanel, k: number, inset: number, out: Float32Array, at: number): void {
  const [x0, y0, x1, y1] = cellBox(panel, k, inset);
  const z = 0.002;
  out.set([x0, y0, z, x1, y0, z, x1, y0, z, x1, y1, z, x1, y1, z, x0, y1, z, x0, y1, z, x0, y0, z], at);
}

/** centre of grid cell k in the panel's uv (0..1, v up) */
export function cellCentre(panel: LayerPanel, k: number, out: Vector2): Vector2 {
  const a = panel.atlas;
  const px = (k % a.cols) * a.pitchX + a.cellW / 2;
  const py = Math.floor(k / a.cols) * a.pitchY + a.cellH / 2;
  return out.set(px / a.width, 1 - py / a.height);
}
