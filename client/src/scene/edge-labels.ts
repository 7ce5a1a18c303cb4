import { Euler, Quaternion, Vector3 } from 'three';
import type { LayoutEdge } from '../api/types';
import { pointAlong, smoothPolyline } from '../graph/polyline';
import type { QuadAtlas } from './quad-atlas';
import { FONT, fitText } from './text';

const _q = new Quaternion().setFromEuler(new Euler(-Math.PI / 2, 0, 0));
const _p = new Vector3();
const _s = new Vector3(1, 1, 1);
export const LABEL_SIZE = { width: 256, height: 40 };
const WORLD = { width: 0.56, height: 0.0875 };

/**
 * Edge labels ("conv 3×3/64", "add") lying on the floor next to the middle of each edge, all in the shared
 * label atlas (one draw call per atlas page, not one per label).
 */
export function addEdgeLabels(atlas: QuadAtlas, edges: readonly LayoutEdge[], offsetX: number): void {
  for (const edge of edges) {
    if (!edge.label) continue;
    const { at } = pointAlong(smoothPolyline(edge.points, 2), 0.5);
    const slot = atlas.allocate(WORLD.width, WORLD.height);
    slot.matrix.compose(_p.set(at[0] + offsetX + WORLD.width / 2 + 0.04, 0.02, at[1]), _q, _s);
    atlas.place(slot);
    atlas.paint(slot, (ctx, w, h) => {
      ctx.fillStyle = 'rgba(14,17,23,0.55)';
      ctx.beginPath();
      ctx.roundRect(0, 4, w, h - 8, 8);
      ctx.fill();
      ctx.fillStyle = '#9fdff0';
      ctx.font = `500 22px ${FONT}`;
      ctx.textBaseline = 'middle';
      fitText(ctx, edge.label, 10, h / 2 + 1, w - 20);
    });
  }
}
