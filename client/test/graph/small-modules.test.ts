import { describe, expect, it } from 'vitest';
import { edgesByNode } from '../../src/graph/edge-index';
import { levelHistogram } from '../../src/graph/histogram';
import { networkOffsets } from '../../src/graph/network-offsets';

describe('edgesByNode', () => {
  it('lists every edge at both of its ends, a self-loop once', () => {
    const at = edgesByNode([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'a', to: 'c' }, { from: 'c', to: 'c' }]);
    expect(Object.fromEntries(at)).toEqual({ a: [0, 2], b: [0, 1], c: [1, 2, 3] });
  });
});

describe('levelHistogram', () => {
  it('bins the 256 levels into equal bins and counts every value', () => {
    const data = Uint8Array.of(0, 3, 4, 255, 255, 128);
    const h = levelHistogram(data, 64);
    expect(h.length).toBe(64);
    expect([h[0], h[1], h[32], h[63]]).toEqual([2, 1, 1, 2]);
    expect(h.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect([...levelHistogram(Uint8Array.of(0, 127, 128, 255), 2)]).toEqual([2, 2]);
  });
});

describe('networkOffsets', () => {
  it('places networks left to right without overlap, `gap` apart', () => {
    const offsets = networkOffsets([{ minX: -2, maxX: 3 }, { minX: -1, maxX: 4 }, { minX: 0, maxX: 1 }], 6);
    expect(offsets).toEqual([0, 3 + 1 + 6, 10 + 4 + 6]);
    expect(networkOffsets([])).toEqual([]);
  });
});
