// Speed of the charts' picking and lasso at 100,000 points: the kd-tree (kdbush) against a scan of every point,
// in the same run. `cd client && npx vitest bench --run test/charts/point-index.bench.ts` (BENCHMARKS.md).
import { bench, describe } from 'vitest';
import { createPointIndex, pointInPolygon } from '../../src/charts/point-index';

const N = 100_000;
let s = 7;
const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const xs = Float32Array.from({ length: N }, next);
const ys = Float32Array.from({ length: N }, next);
const index = createPointIndex(xs, ys);
// a cluster-sized lasso (a hexagon of radius 0.08: ~2 % of the points) and a large one (~25 %)
const polygon = (r: number) => Array.from({ length: 12 }, (_, k) => (k % 2 ? 0.5 + r * Math.sin(Math.PI * (k - 1) / 3) : 0.5 + r * Math.cos(Math.PI * k / 3)));
const small = polygon(0.08);
const large = polygon(0.3);

function scan(poly: number[]): number {
  let n = 0;
  for (let i = 0; i < N; i++) if (pointInPolygon(xs[i], ys[i], poly)) n++;
  return n;
}

function nearestByScan(x: number, y: number, r: number): number {
  let best = -1;
  let bestD = r * r;
  for (let i = 0; i < N; i++) {
    const d = (xs[i] - x) ** 2 + (ys[i] - y) ** 2;
    if (d <= bestD) [best, bestD] = [i, d];
  }
  return best;
}

describe('lasso of a cluster, 100,000 points', () => {
  bench('kd-tree', () => void index.inPolygon(small));
  bench('scan', () => void scan(small));
});

describe('lasso of a quarter of the points, 100,000 points', () => {
  bench('kd-tree', () => void index.inPolygon(large));
  bench('scan', () => void scan(large));
});

describe('hover pick (nearest within 2.5 %), 100,000 points', () => {
  bench('kd-tree', () => void index.nearest(next(), next(), 0.025));
  bench('scan', () => void nearestByScan(next(), next(), 0.025));
});

describe('building the index, 100,000 points', () => {
  bench('kd-tree', () => void createPointIndex(xs, ys));
});
