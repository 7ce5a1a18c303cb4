import { describe, expect, it } from 'vitest';
import { cumulatedChart, deadChart, embeddingChart, pcaChart, rankRange, rankingChart } from '../../src/charts/chart-data';
import type { DeadLayer, StatsLayer } from '../../src/charts/chart-data';

// three filters over two inputs: filter 1 is the strongest, filter 2 never activates (dead)
const stats: StatsLayer = {
  node: 'conv', items: [4, 9], ranking: [1, 0, 2],
  maxima: [[1, 3, 0], [2, 1, -1]],
  channels: [
    { channel: 0, rank: 1, max: 2, mean: 0.5, fraction_active: 0.4 },
    { channel: 1, rank: 0, max: 3, mean: 1, fraction_active: 0.6 },
    { channel: 2, rank: 2, max: 0, mean: -0.3, fraction_active: 0 },
  ],
};

describe('rankingChart', () => {
  it('draws one bar per filter in ranking order, as high as its maximum', () => {
    const c = rankingChart(stats);
    expect([...c.slots]).toEqual([1, 0, 2]);
    expect([...c.bars.keys.slice(0, c.bars.count)]).toEqual([1, 0, 2]);
    const h = (i: number) => (c.bars.y1[i] - c.bars.y0[i]) * (c.y.hi - c.y.lo);
    expect([h(0), h(1), h(2)].map((v) => +v.toFixed(5))).toEqual([3, 2, 0]);
    expect(c.bars.x0[0]).toBeLessThan(c.bars.x0[1]);
  });
});

describe('cumulatedChart', () => {
  it('stacks each input\'s maximum; the stacks end at the brute-force sums', () => {
    const c = cumulatedChart(stats);
    expect(c.bars.count).toBe(6);
    const value = (f: number) => c.y.lo + f * (c.y.hi - c.y.lo);
    for (const channel of [0, 1]) {
      const tops: number[] = [];
      for (let i = 0; i < c.bars.count; i++) if (c.bars.keys[i] === channel) tops.push(value(c.bars.y1[i]));
      const sums = [stats.maxima[0][channel], stats.maxima[0][channel] + stats.maxima[1][channel]];
      expect(tops.map((v) => +v.toFixed(5))).toEqual(sums);
    }
    const down: number[] = [];
    for (let i = 0; i < c.bars.count; i++) if (c.bars.keys[i] === 2) down.push(+value(c.bars.y0[i]).toFixed(5));
    expect(Math.min(...down)).toBe(-1); // a negative maximum hangs below zero
  });
});

describe('rankRange', () => {
  it('returns the filters of a rank range, whichever end the drag started at', () => {
    expect(rankRange([5, 3, 9, 1], 2, 1)).toEqual([3, 9]);
    expect(rankRange([5, 3, 9, 1], -3, 10)).toEqual([5, 3, 9, 1]);
  });
});

describe('scatter specs', () => {
  const dead: DeadLayer = {
    node: 'conv', filters: [
      { node: 'conv', channel: 0, negative_pct: 50, energy: 1, bias: 0.1, max_activation: 2, dead: false, reason: '' },
      { node: 'conv', channel: 1, negative_pct: 100, energy: 1e-4, bias: -1, max_activation: 0, dead: true, reason: 'all weights negative' },
    ],
  };
  it('dead filters: % negative on x, energy on a log axis when it spans decades, dead ones in red', () => {
    const c = deadChart(dead);
    expect([...c.xs]).toEqual([0.5, 1]);
    expect(c.y.log).toBe(true);
    expect(c.ys[0]).toBeGreaterThan(c.ys[1]);
    expect([...c.colors.slice(3, 6)].map((v) => +v.toFixed(2))).toEqual([1, 0.3, 0.3]);
    expect(c.title).toContain('1 of 2');
  });
  it('PCA keeps the filter ids; the t-SNE keys are the dataset items', () => {
    const p = pcaChart({ node: 'conv', explained: [0.6, 0.3], points: [{ channel: 0, pc1: -1, pc2: 0 }, { channel: 1, pc1: 1, pc2: 2 }] }, stats);
    expect(p.labels).toEqual(['0', '1']);
    expect(p.xs[0]).toBeLessThan(p.xs[1]);
    const e = embeddingChart({ node: 'conv', features: 'sorted', perplexity: 3, points: [
      { item: 4, x: 0, y: 0, dominant_channel: 1, label: 0, class_name: 'circle' },
      { item: 9, x: 1, y: 1, dominant_channel: 2, label: 1, class_name: 'square' },
    ] });
    expect([...e.keys]).toEqual([4, 9]);
    expect(e.keyKind).toBe('input');
    expect([...e.colors.slice(0, 3)]).not.toEqual([...e.colors.slice(3, 6)]);
  });
});
