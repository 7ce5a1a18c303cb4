import { describe, expect, it } from 'vitest';
import { graphNoteLines } from '../../src/ui/graph-notes';

describe('graphNoteLines', () => {
  it('names the network of every note, in order, and is empty when nothing is left out', () => {
    const lines = graphNoteLines([
      { name: 'swin_t', notes: ['4 ops are not shown because their batch is folded: a, b, c and 1 more', 'x'] },
      { name: 'resnet18', notes: [] },
      { name: 'vit', notes: ['2 ops are not shown because …'] },
    ]);
    expect(lines).toEqual([
      'swin_t: 4 ops are not shown because their batch is folded: a, b, c and 1 more',
      'swin_t: x',
      'vit: 2 ops are not shown because …',
    ]);
    expect(graphNoteLines([{ name: 'resnet18', notes: [] }])).toEqual([]);
  });
});
