import { describe, expect, it } from 'vitest';
import { blocksView, fitDistance } from '../../src/graph/view-fit';
import type { Box, XYZ } from '../../src/graph/view-fit';

const box = (x0: number, y0: number, z0: number, x1: number, y1: number, z1: number): Box =>
  ({ min: { x: x0, y: y0, z: z0 }, max: { x: x1, y: y1, z: z1 } });

describe('fitDistance', () => {
  const origin = { x: 0, y: 0, z: 0 };

  it('is the textbook distance for a level camera and a flat panel', () => {
    // a 2 m wide, 1 m high panel; 90° horizontal and vertical fields of view (tan = 1)
    const corners: XYZ[] = [[-1, -0.5], [1, -0.5], [1, 0.5], [-1, 0.5]].map(([x, y]) => ({ x, y, z: 0 }));
    expect(fitDistance(corners, origin, 0, 1, 1)).toBeCloseTo(1);
    expect(fitDistance(corners, origin, 0, 0.5, 2)).toBeCloseTo(1); // the height decides now
  });

  it('puts every point in view for a tilted camera', () => {
    const points: XYZ[] = [{ x: 0.3, y: 1, z: -0.4 }, { x: -0.7, y: -0.2, z: 0.5 }, { x: 0.1, y: 0.4, z: 0.9 }];
    const elevation = 0.4;
    const [tanV, tanH] = [0.4, 0.6];
    const d = fitDistance(points, origin, elevation, tanV, tanH);
    const [s, c] = [Math.sin(elevation), Math.cos(elevation)];
    let tight = false;
    for (const p of points) {
      const depth = d - (p.y * s + p.z * c);
      const up = p.y * c - p.z * s;
      expect(Math.abs(p.x)).toBeLessThanOrEqual(tanH * depth + 1e-9);
      expect(Math.abs(up)).toBeLessThanOrEqual(tanV * depth + 1e-9);
      tight ||= Math.abs(Math.abs(p.x) - tanH * depth) < 1e-9 || Math.abs(Math.abs(up) - tanV * depth) < 1e-9;
    }
    expect(tight).toBe(true); // and no farther than needed
  });
});

describe('blocksView', () => {
  const target = box(-1, 0, -0.05, 1, 2, 0.05);
  const eye = { x: 0, y: 1, z: 5 };

  it('is true for a panel between the eye and the target that covers part of it', () => {
    expect(blocksView(eye, target, box(-0.5, 0.5, 2.45, 0.5, 1.5, 2.55))).toBe(true);
  });

  it('is false beside the view cone, behind the target or behind the eye', () => {
    expect(blocksView(eye, target, box(3, 0.5, 2.45, 4, 1.5, 2.55))).toBe(false);
    expect(blocksView(eye, target, box(-0.5, 0.5, -2.05, 0.5, 1.5, -1.95))).toBe(false);
    expect(blocksView(eye, target, box(-0.5, 0.5, 5.95, 0.5, 1.5, 6.05))).toBe(false);
  });
});
