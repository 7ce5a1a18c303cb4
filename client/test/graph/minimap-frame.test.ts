import { describe, expect, it } from 'vitest';
import { minimapFrame } from '../../src/graph/minimap-frame';

describe('minimapFrame', () => {
  const rect = { minX: -2, maxX: 2, minZ: -10, maxZ: 0 };

  it('fits the whole floor rectangle inside the padding with one scale, centred', () => {
    const f = minimapFrame(rect, 200, 300, 8);
    expect(f.scale).toBeCloseTo((300 - 16) / 10); // the depth limits: 28.4 px/m on both axes
    const [left, top] = f.toMap(rect.minX, rect.minZ);
    const [right, bottom] = f.toMap(rect.maxX, rect.maxZ);
    expect(top).toBeCloseTo(8);
    expect(bottom).toBeCloseTo(292);
    expect((left + right) / 2).toBeCloseTo(100);
    expect(right - left).toBeCloseTo(4 * f.scale);
  });

  it('puts the far end of the network (−z) at the top', () => {
    const f = minimapFrame(rect, 200, 300);
    expect(f.toMap(0, -9)[1]).toBeLessThan(f.toMap(0, -1)[1]);
  });

  it('toFloor inverts toMap', () => {
    const f = minimapFrame(rect, 160, 90, 4);
    for (const [x, z] of [[-2, -10], [1.5, -3.25], [0, 0]]) {
      const [px, py] = f.toMap(x, z);
      const [bx, bz] = f.toFloor(px, py);
      expect(bx).toBeCloseTo(x);
      expect(bz).toBeCloseTo(z);
    }
  });

  it('keeps a finite scale for an empty rectangle', () => {
    const f = minimapFrame({ minX: 1, maxX: 1, minZ: 1, maxZ: 1 }, 100, 100);
    expect(Number.isFinite(f.scale)).toBe(true);
    const [px, py] = f.toMap(1, 1);
    expect(Math.min(px, py)).toBeGreaterThanOrEqual(0);
    expect(Math.max(px, py)).toBeLessThanOrEqual(100);
  });
});
