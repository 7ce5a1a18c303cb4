import { describe, expect, it } from 'vitest';
import { cropTile, cropTileOrigin } from '../../src/graph/crop-atlas';

describe('crop atlas', () => {
  it('finds the tile size of the server layout (4 channels → 2×2 tiles of 48 px, 1-px gaps)', () => {
    expect(cropTile(2 * 48 + 1, 2 * 48 + 1, [2, 2], 4)).toBe(48);
    expect(cropTile(8 * 33 - 1, 7 * 33 - 1, [8, 7], 50)).toBe(32);
  });

  it('refuses an image that is not that grid of square tiles', () => {
    expect(() => cropTile(100, 97, [2, 2], 4)).toThrow(/does not hold 4 square tiles on a 2×2 grid/);
    expect(() => cropTile(97, 48, [2, 2], 4)).toThrow(/crop atlas \(97×48\)/);
    expect(() => cropTile(97, 97, [2, 2], 5)).toThrow(/5 square tiles/);
  });

  it('places tiles row by row', () => {
    expect(cropTileOrigin(0, 3, 10)).toEqual([0, 0]);
    expect(cropTileOrigin(4, 3, 10)).toEqual([11, 11]);
    expect(cropTileOrigin(6, 3, 10)).toEqual([0, 22]);
  });
});
