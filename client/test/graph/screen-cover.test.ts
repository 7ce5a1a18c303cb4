import { describe, expect, it } from 'vitest';
import { area, clipNear, coverFraction, intersect } from '../../src/graph/screen-cover';
import type { Vec3 } from '../../src/graph/screen-cover';

/** an upright w×h rectangle facing the camera, centred at (x, y) at distance d */
const quad = (x: number, y: number, w: number, h: number, d: number): Vec3[] =>
  [[x - w / 2, y - h / 2, -d], [x + w / 2, y - h / 2, -d], [x + w / 2, y + h / 2, -d], [x - w / 2, y + h / 2, -d]];

describe('screen cover', () => {
  it('intersects convex polygons', () => {
    const a: [number, number][] = [[0, 0], [2, 0], [2, 2], [0, 2]];
    const b: [number, number][] = [[1, 1], [3, 1], [3, 3], [1, 3]];
    expect(area(intersect(a, b))).toBeCloseTo(1);
    expect(area(intersect(a, [[5, 5], [6, 5], [6, 6]]))).toBe(0);
  });

  it('a panel halfway to the camera and half as big covers the whole target; one beside it none', () => {
    const target = quad(0, 0, 2, 2, 4);
    expect(coverFraction(target, quad(0, 0, 1, 1, 2))).toBeCloseTo(1);
    expect(coverFraction(target, quad(0.5, 0, 1, 1, 2))).toBeCloseTo(0.5);
    expect(coverFraction(target, quad(3, 0, 1, 1, 2))).toBe(0);
  });

  it('a panel behind the target or behind the camera covers nothing', () => {
    const target = quad(0, 0, 2, 2, 4);
    expect(coverFraction(target, quad(0, 0, 10, 10, 6))).toBe(0);
    expect(coverFraction(target, quad(0, 0, 10, 10, -1))).toBe(0);
  });

  it('clips a quad that reaches behind the camera at the near plane', () => {
    const slanted: Vec3[] = [[-1, 0, 1], [1, 0, 1], [1, 0, -3], [-1, 0, -3]];
    const clipped = clipNear(slanted, 0.1);
    expect(clipped).toHaveLength(4);
    expect(Math.max(...clipped.map((p) => p[2]))).toBeCloseTo(-0.1);
  });
});
