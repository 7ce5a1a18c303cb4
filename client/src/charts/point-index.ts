// Picking and lasso over a chart's points: a static kd-tree (kdbush) answers "which point is nearest" and "which
// points lie in the lasso's bounding box" in logarithmic time, so a scatter of 100,000 points stays interactive;
// only the points inside the box are tested against the polygon.
import KDBush from 'kdbush';

export interface PointIndex {
  readonly size: number;
  /** the point nearest (x, y) within `radius`, or -1 */
  nearest(x: number, y: number, radius: number): number;
  /** indices of the points inside a closed polygon given as [x0, y0, x1, y1, …] */
  inPolygon(polygon: ArrayLike<number>): number[];
}

export function createPointIndex(xs: ArrayLike<number>, ys: ArrayLike<number>): PointIndex {
  const n = xs.length;
  const tree = new KDBush(Math.max(1, n), 64, Float32Array);
  for (let i = 0; i < n; i++) tree.add(xs[i], ys[i]);
  if (n === 0) tree.add(Infinity, Infinity); // kdbush needs one point; this one is never inside anything
  tree.finish();
  return {
    size: n,
    nearest(x, y, radius) {
      let best = -1;
      let bestD = radius * radius;
      for (const i of tree.within(x, y, radius)) {
        const d = (xs[i] - x) ** 2 + (ys[i] - y) ** 2;
        if (d <= bestD && (best < 0 || d < bestD || i < best)) {
          best = i;
          bestD = d;
        }
      }
      return best;
    },
    inPolygon(polygon) {
      if (polygon.length < 6) return [];
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -Infinity;
      let y1 = -Infinity;
      for (let k = 0; k < polygon.length; k += 2) {
        x0 = Math.min(x0, polygon[k]);
        x1 = Math.max(x1, polygon[k]);
        y0 = Math.min(y0, polygon[k + 1]);
        y1 = Math.max(y1, polygon[k + 1]);
      }
      const candidates = tree.range(x0, y0, x1, y1);
      const inside = new Int32Array(candidates.length);
      let m = 0;
      for (const i of candidates) if (pointInPolygon(xs[i], ys[i], polygon)) inside[m++] = i;
      return Array.from(inside.subarray(0, m).sort()); // typed arrays sort numerically, without a comparator call
    },
  };
}

/** Even-odd rule (a ray to +x crosses the edges an odd number of times inside); no allocation per point. */
export function pointInPolygon(x: number, y: number, polygon: ArrayLike<number>): boolean {
  let inside = false;
  const n = polygon.length >> 1;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = polygon[2 * i];
    const yi = polygon[2 * i + 1];
    const xj = polygon[2 * j];
    const yj = polygon[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
