import { Euler, Quaternion, Vector2, Vector3 } from 'three';
import type { LayoutEdge } from '../api/types';
import { edgesByNode } from '../graph/edge-index';
import { pointAlong, smoothPolyline } from '../graph/polyline';
import type { NodeShift } from './edge-lines';
import type { AtlasSlot, QuadAtlas } from './quad-atlas';
import { FONT, fitText } from './text';

const _q = new Quaternion().setFromEuler(new Euler(-Math.PI / 2, 0, 0));
const _p = new Vector3();
const _s = new Vector3(1, 1, 1);
const _a = new Vector2();
const _b = new Vector2();
export const LABEL_SIZE = { width: 256, height: 40 };
const WORLD = { width: 0.56, height: 0.0875 };

export interface EdgeLabels {
  /** the label slot of each edge (null: the edge has no label) */
  readonly slots: readonly (AtlasSlot | null)[];
  /** Move the labels of the edges at a node after its panel moved. */
  update(nodeId: string): void;
}

/**
 * Edge labels ("conv 3×3/64", "add") lying on the floor next to the middle of each edge, all in the shared
 * label atlas (one draw call per atlas page, not one per label). A label rides on its edge's midpoint, which
 * shifts by the mean of the two ends' shifts when the edge bends (see createEdgeLines).
 */
export function createEdgeLabels(atlas: QuadAtlas, edges: readonly LayoutEdge[], offsetX: number, shiftOf: NodeShift): EdgeLabels {
  const mids = edges.map((e) => (e.label ? pointAlong(smoothPolyline(e.points, 2), 0.5).at : null));
  const slots = edges.map((e) => (e.label ? atlas.allocate(WORLD.width, WORLD.height) : null));
  const byNode = edgesByNode(edges);
  const place = (k: number) => {
    const slot = slots[k];
    const mid = mids[k];
    if (!slot || !mid) return;
    shiftOf(edges[k].from, _a);
    shiftOf(edges[k].to, _b);
    const x = mid[0] + (_a.x + _b.x) / 2 + offsetX + WORLD.width / 2 + 0.04;
    slot.matrix.compose(_p.set(x, 0.02, mid[1] + (_a.y + _b.y) / 2), _q, _s);
    atlas.place(slot);
  };
  edges.forEach((edge, k) => {
    const slot = slots[k];
    if (!slot) return;
    place(k);
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
  });
  return {
    slots,
    update(nodeId) {
      const ks = byNode.get(nodeId);
      if (ks) for (let j = 0; j < ks.length; j++) place(ks[j]);
    },
  };
}
