import { BufferAttribute, BufferGeometry, LineBasicMaterial, LineSegments } from 'three';
import type { LayoutEdge } from '../api/types';
import { smoothPolyline } from '../graph/polyline';

const FLOOR_Y = 0.012;

/** All edges of a network as ONE LineSegments on the floor (one draw call), corners rounded. */
export function createEdgeLines(edges: readonly LayoutEdge[]): { object: LineSegments; dispose(): void } {
  const curves = edges.map((e) => smoothPolyline(e.points, 2));
  const segments = curves.reduce((n, c) => n + Math.max(0, c.length - 1), 0);
  const positions = new Float32Array(segments * 6);
  let o = 0;
  for (const c of curves) {
    for (let i = 1; i < c.length; i++) {
      positions.set([c[i - 1][0], FLOOR_Y, c[i - 1][1], c[i][0], FLOOR_Y, c[i][1]], o);
      o += 6;
    }
  }
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(positions, 3));
  const material = new LineBasicMaterial({ color: 0x58c4dc, transparent: true, opacity: 0.85 });
  const object = new LineSegments(geometry, material);
  object.name = 'edges';
  return { object, dispose: () => (geometry.dispose(), material.dispose()) };
}
