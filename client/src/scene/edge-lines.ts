import { BufferAttribute, BufferGeometry, LineBasicMaterial, LineSegments, Vector2 } from 'three';
import type { LayoutEdge } from '../api/types';
import { edgesByNode } from '../graph/edge-index';
import { lengthFractions, smoothPolyline } from '../graph/polyline';

const FLOOR_Y = 0.012;
const _a = new Vector2();
const _b = new Vector2();

/** How far (x, z) a node's panel stands from its layout place; written into `out`. */
export type NodeShift = (nodeId: string, out: Vector2) => Vector2;

export interface EdgeLines {
  readonly object: LineSegments;
  /** Re-bend the edges at a node after its panel moved: only their vertices are rewritten and uploaded. */
  update(nodeId: string): void;
  /** the floor points where edge k starts and ends (network coordinates; tests) */
  ends(k: number): [number[], number[]];
  dispose(): void;
}

/**
 * All edges of a network as ONE LineSegments on the floor (one draw call), corners rounded. When a panel moves,
 * the edges at it bend like rubber bands: every vertex shifts by a blend of the two ends' shifts, weighted by how
 * far along the edge it lies.
 */
export function createEdgeLines(edges: readonly LayoutEdge[], shiftOf: NodeShift): EdgeLines {
  const curves = edges.map((e) => smoothPolyline(e.points, 2));
  const along = curves.map(lengthFractions);
  const first: number[] = []; // first float of each edge in the position buffer
  let floats = 0;
  for (const c of curves) {
    first.push(floats);
    floats += Math.max(0, c.length - 1) * 6;
  }
  const positions = new Float32Array(floats);
  const attribute = new BufferAttribute(positions, 3);
  const byNode = edgesByNode(edges);

  const put = (o: number, x: number, z: number) => {
    positions[o] = x;
    positions[o + 1] = FLOOR_Y;
    positions[o + 2] = z;
  };
  const write = (k: number) => {
    const c = curves[k];
    const t = along[k];
    shiftOf(edges[k].from, _a);
    shiftOf(edges[k].to, _b);
    let o = first[k];
    for (let i = 0; i < c.length; i++) {
      const x = c[i][0] + _a.x + (_b.x - _a.x) * t[i];
      const z = c[i][1] + _a.y + (_b.y - _a.y) * t[i];
      // vertex i ends segment i-1 and starts segment i
      if (i > 0) {
        put(o + 3, x, z);
        o += 6;
      }
      if (i < c.length - 1) put(o, x, z);
    }
  };
  // one reused update range: re-bending a few edges uploads their span of the buffer, not all of it
  const range = { start: 0, count: 0 };
  const markChanged = (start: number, end: number) => {
    if (attribute.updateRanges.length === 0) {
      range.start = start;
      range.count = end - start;
      attribute.updateRanges.push(range);
    } else {
      const rangeEnd = Math.max(range.start + range.count, end);
      range.start = Math.min(range.start, start);
      range.count = rangeEnd - range.start;
    }
    attribute.needsUpdate = true;
  };
  edges.forEach((_, k) => write(k));

  const geometry = new BufferGeometry();
  geometry.setAttribute('position', attribute);
  const material = new LineBasicMaterial({ color: 0x58c4dc, transparent: true, opacity: 0.85 });
  const object = new LineSegments(geometry, material);
  object.name = 'edges';
  return {
    object,
    update(nodeId) {
      const ks = byNode.get(nodeId);
      if (!ks) return;
      for (let j = 0; j < ks.length; j++) {
        const k = ks[j];
        write(k);
        markChanged(first[k], first[k + 1] ?? floats);
      }
      geometry.computeBoundingSphere();
    },
    ends(k) {
      const last = (first[k + 1] ?? floats) - 3;
      return [[positions[first[k]], positions[first[k] + 2]], [positions[last], positions[last + 2]]];
    },
    dispose: () => (geometry.dispose(), material.dispose()),
  };
}
