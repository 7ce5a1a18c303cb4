import { describe, expect, it } from 'vitest';
import { atlasHit, channelLevelRange, computeAtlasLayout, fillAtlas, nearSquareGrid } from '../../src/graph/atlas-layout';

describe('nearSquareGrid', () => {
  it.each([
    [1, [1, 1]], [2, [2, 1]], [3, [2, 2]], [4, [2, 2]], [5, [3, 2]], [64, [8, 8]], [65, [9, 8]], [1000, [32, 32]],
  ])('%i cells → %j', (n, grid) => expect(nearSquareGrid(n)).toEqual(grid));

  it('always has room for every cell, cols ≥ rows, and no empty row', () => {
    for (let n = 1; n <= 512; n++) {
      const [cols, rows] = nearSquareGrid(n);
      expect(cols * rows).toBeGreaterThanOrEqual(n);
      expect(cols).toBeGreaterThanOrEqual(rows);
      expect(cols * (rows - 1)).toBeLessThan(n);
    }
  });
});

describe('computeAtlasLayout', () => {
  it('lays C×H×W maps on a grid with a one-texel gap', () => {
    const l = computeAtlasLayout([5, 4, 6]);
    expect(l).toMatchObject({ mode: 'maps', channels: 5, mapW: 6, mapH: 4, stride: 1, cols: 3, rows: 2 });
    expect([l.pitchX, l.pitchY, l.width, l.height]).toEqual([7, 5, 3 * 7 - 1, 2 * 5 - 1]);
  });

  it('draws 1-D layers and 1×1 maps as tiles without gaps', () => {
    expect(computeAtlasLayout([10])).toMatchObject({ mode: 'tiles', channels: 10, cols: 4, rows: 3, width: 4, height: 3 });
    expect(computeAtlasLayout([9, 1, 1])).toMatchObject({ mode: 'tiles', width: 3, height: 3 });
  });

  it('subsamples maps so that the atlas fits maxSize', () => {
    const l = computeAtlasLayout([4, 100, 100], 128);
    expect(l.stride).toBe(2);
    expect(Math.max(l.width, l.height)).toBeLessThanOrEqual(128);
    expect(computeAtlasLayout([4, 100, 100], 4096).stride).toBe(1);
  });

  it('takes a given grid only when it has room for every channel', () => {
    expect(computeAtlasLayout([6, 2, 2], 4096, [6, 1])).toMatchObject({ cols: 6, rows: 1 });
    expect(computeAtlasLayout([6, 2, 2], 4096, [2, 2])).toMatchObject({ cols: 3, rows: 2 });
  });
});

describe('fillAtlas and atlasHit', () => {
  // 3 channels of 2×2: channel c holds levels 10c + (0, 1, 2, 3) row by row
  const layout = computeAtlasLayout([3, 2, 2]);
  const data = Uint8Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
  const out = new Uint8Array(layout.width * layout.height);
  fillAtlas(layout, data, out, 99);
  const at = (x: number, y: number) => out[y * layout.width + x];

  it('copies each map into its cell and keeps the background in gaps and unused cells', () => {
    expect([layout.cols, layout.rows, layout.width, layout.height]).toEqual([2, 2, 5, 5]);
    expect([at(0, 0), at(1, 0), at(0, 1), at(1, 1)]).toEqual([0, 1, 2, 3]);
    expect([at(3, 0), at(4, 1)]).toEqual([10, 13]);
    expect([at(0, 3), at(1, 4)]).toEqual([20, 23]);
    expect([at(2, 0), at(0, 2), at(3, 3), at(4, 4)]).toEqual([99, 99, 99, 99]);
  });

  it('finds the channel and source pixel under atlas coordinates (v up), null in gaps', () => {
    const uv = (x: number, y: number) => [(x + 0.5) / layout.width, 1 - (y + 0.5) / layout.height] as const;
    expect(atlasHit(layout, ...uv(4, 1))).toEqual({ channel: 1, x: 1, y: 1 });
    expect(atlasHit(layout, ...uv(0, 3))).toEqual({ channel: 2, x: 0, y: 0 });
    expect(atlasHit(layout, ...uv(2, 0))).toBeNull();
    expect(atlasHit(layout, ...uv(3, 3))).toBeNull(); // the fourth cell has no channel
  });

  it('gives the level range of one channel', () => {
    expect(channelLevelRange(layout, data, 1)).toEqual([10, 13]);
    expect(channelLevelRange(computeAtlasLayout([4]), Uint8Array.of(5, 200, 7, 9), 1)).toEqual([200, 200]);
  });
});
