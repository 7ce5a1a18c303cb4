import { describe, expect, it } from 'vitest';
import { blockAt, blockBetween, moved, onHandle, resized, sameBlocks } from '../../src/graph/occlusion-blocks';
import type { Block } from '../../src/graph/occlusion-blocks';

const block = (x: number, y: number, w: number, h: number): Block => ({ x, y, w, h, fill: 'black' });

describe('occlusion blocks', () => {
  it('blockBetween spans two corners in any order, in whole pixels, at least 1 × 1', () => {
    expect(blockBetween([10.6, 20.2], [3.2, 5.9], 'mean')).toEqual({ x: 3, y: 5, w: 8, h: 16, fill: 'mean' });
    expect(blockBetween([3.2, 5.9], [10.6, 20.2], 'mean')).toEqual({ x: 3, y: 5, w: 8, h: 16, fill: 'mean' });
    expect(blockBetween([4, 4], [4, 4], 'blur')).toEqual({ x: 4, y: 4, w: 1, h: 1, fill: 'blur' });
  });

  it('blockAt finds the topmost (last drawn) block under a point, else -1', () => {
    const blocks = [block(0, 0, 10, 10), block(5, 5, 10, 10)];
    expect(blockAt(blocks, [7, 7])).toBe(1);
    expect(blockAt(blocks, [2, 2])).toBe(0);
    expect(blockAt(blocks, [20, 20])).toBe(-1);
  });

  it('onHandle is true near the bottom right corner only', () => {
    const b = block(10, 10, 20, 20);
    expect(onHandle(b, [29, 31], 2)).toBe(true);
    expect(onHandle(b, [10, 10], 2)).toBe(false);
    expect(onHandle(b, [26, 30], 2)).toBe(false);
  });

  it('moved and resized round to whole pixels and keep at least 1 × 1', () => {
    expect(moved(block(10, 10, 5, 5), 2.6, -3.4)).toEqual(block(13, 7, 5, 5));
    expect(resized(block(10, 10, 5, 5), [20.4, 14.6])).toEqual(block(10, 10, 10, 5));
    expect(resized(block(10, 10, 5, 5), [2, 2])).toEqual(block(10, 10, 1, 1));
  });

  it('sameBlocks compares every field in order', () => {
    expect(sameBlocks([block(1, 2, 3, 4)], [block(1, 2, 3, 4)])).toBe(true);
    expect(sameBlocks([block(1, 2, 3, 4)], [{ ...block(1, 2, 3, 4), fill: 'mean' }])).toBe(false);
    expect(sameBlocks([block(1, 2, 3, 4)], [])).toBe(false);
  });
});
