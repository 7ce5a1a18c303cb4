import { describe, expect, it } from 'vitest';
import { atlasHit, computeAtlasLayout, fillAtlas } from '../../src/graph/atlas-layout';
import { cellScoreLevels, importanceOrder } from '../../src/graph/channel-order';

describe('importanceOrder', () => {
  it('puts the channels most for the class first and most against it last; ties keep channel order', () => {
    expect([...importanceOrder([0.1, -2, 3, 0.1, 0])]).toEqual([2, 0, 3, 4, 1]);
  });
});

describe('cellScoreLevels', () => {
  it('scales scores by the largest |score| around 127.5, in the order the cells show them', () => {
    expect([...cellScoreLevels([2, -4, 0], 4)]).toEqual([191, 0, 128, 128]);
    expect([...cellScoreLevels([2, -4, 0], 4, [1, 0, 2])]).toEqual([0, 191, 128, 128]);
  });

  it('leaves every cell at zero when all scores are zero', () => {
    expect([...cellScoreLevels([0, 0], 3)]).toEqual([128, 128, 128]);
  });
});

describe('an ordered atlas', () => {
  it('shows channel order[k] in cell k, and a hit in cell k names that channel', () => {
    const layout = computeAtlasLayout([3, 1, 2]); // three 1×2 maps on a 2×2 grid
    const data = Uint8Array.from([10, 11, 20, 21, 30, 31]);
    const out = new Uint8Array(layout.width * layout.height);
    const order = [2, 0, 1];
    fillAtlas(layout, data, out, 0, order);
    expect([...out.subarray(0, 2)]).toEqual([30, 31]); // top-left cell: channel 2
    const topLeft = atlasHit(layout, 0.5 / layout.width, 1 - 0.5 / layout.height, order);
    expect(topLeft?.channel).toBe(2);
  });
});
