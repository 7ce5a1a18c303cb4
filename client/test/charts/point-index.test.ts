import { describe, expect, it } from 'vitest';
import { createPointIndex, pointInPolygon } from '../../src/charts/point-index';

/** deterministic pseudo-random points (a tiny LCG: the test must not depend on Math.random) */
function points(n: number, seed = 1): [Float32Array, Float32Array] {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return [Float32Array.from({ length: n }, next), Float32Array.from({ length: n }, next)];
}

describe('pointInPolygon', () => {
  const square = [0, 0, 1, 0, 1, 1, 0, 1];
  it('tells inside from outside, concave shapes included', () => {
    expect(pointInPolygon(0.5, 0.5, square)).toBe(true);
    expect(pointInPolygon(1.5, 0.5, square)).toBe(false);
    const u = [0, 0, 3, 0, 3, 3, 2, 3, 2, 1, 1, 1, 1, 3, 0, 3]; // a U: its notch is outside
    expect(pointInPolygon(1.5, 2, u)).toBe(false);
    expect(pointInPolygon(0.5, 2, u)).toBe(true);
    expect(pointInPolygon(2.5, 2, u)).toBe(true);
  });
});

describe('createPointIndex', () => {
  it('a lasso over 100,000 points finds exactly what a scan of every point finds', () => {
    const [xs, ys] = points(100_000);
    const index = createPointIndex(xs, ys);
    const star = [0.5, 0.05, 0.62, 0.38, 0.95, 0.4, 0.68, 0.6, 0.78, 0.95, 0.5, 0.72, 0.22, 0.95, 0.32, 0.6, 0.05, 0.4, 0.38, 0.38];
    const brute: number[] = [];
    for (let i = 0; i < xs.length; i++) if (pointInPolygon(xs[i], ys[i], star)) brute.push(i);
    expect(brute.length).toBeGreaterThan(10_000);
    const found = index.inPolygon(star);
    expect(found.length).toBe(brute.length);
    expect(found.every((v, k) => v === brute[k])).toBe(true);
  }, 60_000); // a busy CI machine: this checks what is found, not how fast (benchmarks measure speed)

  it('picks the nearest point within the radius, or none', () => {
    const index = createPointIndex([0, 0.5, 0.52, 1], [0, 0.5, 0.5, 1]);
    expect(index.nearest(0.515, 0.5, 0.05)).toBe(2);
    expect(index.nearest(0.49, 0.5, 0.05)).toBe(1);
    expect(index.nearest(0.25, 0.25, 0.05)).toBe(-1);
  });

  it('answers for an empty chart and a degenerate lasso', () => {
    expect(createPointIndex([], []).inPolygon([0, 0, 1, 0, 1, 1])).toEqual([]);
    expect(createPointIndex([], []).nearest(0, 0, 1)).toBe(-1);
    expect(createPointIndex([0.5], [0.5]).inPolygon([0, 0, 1, 1])).toEqual([]);
  });
});
