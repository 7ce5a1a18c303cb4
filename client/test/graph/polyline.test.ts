import { describe, expect, it } from 'vitest';
import { lengthFractions, pointAlong, smoothPolyline } from '../../src/graph/polyline';
import type { Point2 } from '../../src/graph/polyline';

const L: Point2[] = [[0, 0], [4, 0], [4, 4]];

describe('smoothPolyline', () => {
  it('keeps the end points and cuts the corner (Chaikin)', () => {
    const once = smoothPolyline(L, 1);
    expect(once).toEqual([[0, 0], [1, 0], [3, 0], [4, 1], [4, 3], [4, 4]]);
    const twice = smoothPolyline(L, 2);
    expect(twice[0]).toEqual([0, 0]);
    expect(twice.at(-1)).toEqual([4, 4]);
    expect(twice).not.toContainEqual([4, 0]);
  });

  it('leaves straight two-point edges alone', () => {
    expect(smoothPolyline([[0, 0], [0, 5]])).toEqual([[0, 0], [0, 5]]);
  });
});

describe('pointAlong', () => {
  it('finds the point at a fraction of the length and the direction there', () => {
    expect(pointAlong(L, 0.25)).toEqual({ at: [2, 0], dir: [1, 0] });
    expect(pointAlong(L, 0.75)).toEqual({ at: [4, 2], dir: [0, 1] });
    expect(pointAlong(L, 1).at).toEqual([4, 4]);
  });
});

describe('lengthFractions', () => {
  it('runs from 0 to 1 along the length; evenly for a polyline of zero length', () => {
    expect([...lengthFractions(L)]).toEqual([0, 0.5, 1]);
    expect([...lengthFractions([[1, 1], [1, 1], [1, 1]])]).toEqual([0, 0.5, 1]);
  });
});
