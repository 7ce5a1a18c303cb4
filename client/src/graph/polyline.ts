// Floor polylines of edges: smoothing and label anchors. Points are [x, z] pairs.

export type Point2 = [number, number];

/** Chaikin corner cutting: keeps the end points, rounds the corners of the layout's orthogonal routes. */
export function smoothPolyline(points: readonly Point2[], iterations = 2): Point2[] {
  let pts = points.map((p) => [p[0], p[1]] as Point2);
  for (let it = 0; it < iterations && pts.length > 2; it++) {
    const next: Point2[] = [pts[0]];
    for (let i = 0; i < pts.length - 1; i++) {
      const [ax, az] = pts[i];
      const [bx, bz] = pts[i + 1];
      next.push([0.75 * ax + 0.25 * bx, 0.75 * az + 0.25 * bz], [0.25 * ax + 0.75 * bx, 0.25 * az + 0.75 * bz]);
    }
    next.push(pts[pts.length - 1]);
    pts = next;
  }
  return pts;
}

/** Point at a fraction of the polyline's length and the direction there (unit vector). */
export function pointAlong(points: readonly Point2[], fraction: number): { at: Point2; dir: Point2 } {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
  let remaining = total * fraction;
  for (let i = 1; i < points.length; i++) {
    const [ax, az] = points[i - 1];
    const [bx, bz] = points[i];
    const len = Math.hypot(bx - ax, bz - az);
    if (len > 0 && (remaining <= len || i === points.length - 1)) {
      const t = Math.min(1, remaining / len);
      return { at: [ax + (bx - ax) * t, az + (bz - az) * t], dir: [(bx - ax) / len, (bz - az) / len] };
    }
    remaining -= len;
  }
  return { at: points[0] ?? [0, 0], dir: [0, -1] };
}

/** For each point, how far along the polyline it lies, as a fraction of the whole length (0 at the start, 1 at the end). */
export function lengthFractions(points: readonly Point2[]): Float32Array {
  const out = new Float32Array(points.length);
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    total += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
    out[i] = total;
  }
  for (let i = 0; i < out.length; i++) out[i] = total > 0 ? out[i] / total : i / Math.max(1, out.length - 1);
  return out;
}
