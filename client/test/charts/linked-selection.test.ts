import { describe, expect, it } from 'vitest';
import type { AnalysisSelection, SelectionState } from '../../src/api/types';
import { createLinkedSelection, merge } from '../../src/charts/linked-selection';
import type { Selection } from '../../src/charts/linked-selection';

/** A server that stores selections and answers when the test says so (to order replies and events by hand). */
function fakeServer() {
  let seq = 0;
  const replies: (() => void)[] = [];
  const stored: SelectionState[] = [];
  const share = (nid: string, s: AnalysisSelection) => new Promise<SelectionState>((resolve) => {
    const state = { network: nid, seq: ++seq, layer: s.layer ?? null, filters: s.filters ?? [], inputs: s.inputs ?? [], origin: s.origin ?? '' };
    stored.push(state);
    replies.push(() => resolve(state));
  });
  return { share, stored, reply: () => replies.shift()!() };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const filters = (s: Selection) => [...s.filters].sort((a, b) => a - b);

describe('merge', () => {
  const empty: Selection = { layer: null, filters: new Set(), inputs: new Set(), origin: '' };
  it('keeps the inputs when filters change, and drops filters of another layer', () => {
    const a = merge({ ...empty, inputs: new Set([3]) }, { layer: 'conv1', filters: [1, 2] }, 'chart');
    expect([a.layer, filters(a), [...a.inputs]]).toEqual(['conv1', [1, 2], [3]]);
    const b = merge(a, { layer: 'conv2' }, 'panel');
    expect([b.layer, filters(b), [...b.inputs]]).toEqual(['conv2', [], [3]]);
  });
});

describe('createLinkedSelection', () => {
  it('shows a local choice at once, shares it, and ignores its own echo', async () => {
    const server = fakeServer();
    const seen: number[][] = [];
    const linked = createLinkedSelection(server.share, (e) => { throw e; });
    linked.onChange((_, s) => seen.push(filters(s)));
    linked.select('n0', { layer: 'conv1', filters: [5] }, 'chart');
    expect(seen).toEqual([[5]]);
    expect(server.stored[0]).toMatchObject({ layer: 'conv1', filters: [5], origin: 'chart' });
    linked.receive(server.stored[0]); // the event stream's echo, before the reply
    server.reply();
    await flush();
    expect(seen).toEqual([[5]]);
  });

  it('applies a newer selection from another client, never an older one', async () => {
    const linked = createLinkedSelection(fakeServer().share, (e) => { throw e; });
    const other = { network: 'n0', layer: 'conv1', filters: [7], inputs: [], origin: 'python' };
    linked.receive({ ...other, seq: 4 });
    expect(filters(linked.get('n0'))).toEqual([7]);
    linked.receive({ ...other, filters: [1], seq: 3 });
    expect(filters(linked.get('n0'))).toEqual([7]);
  });

  it('does not flicker back to an older state while its own changes are on their way', async () => {
    const server = fakeServer();
    const seen: number[][] = [];
    const linked = createLinkedSelection(server.share, (e) => { throw e; });
    linked.onChange((_, s) => seen.push(filters(s)));
    linked.select('n0', { layer: 'c', filters: [1] }, 'chart');
    linked.select('n0', { layer: 'c', filters: [2] }, 'chart');
    linked.receive(server.stored[0]); // the echo of the first arrives after the second was shown
    expect(filters(linked.get('n0'))).toEqual([2]);
    server.reply();
    server.reply();
    await flush();
    linked.receive(server.stored[1]);
    expect(seen).toEqual([[1], [2]]);
  });

  it('a change from elsewhere that arrives during a local change wins if the server ordered it later', async () => {
    const server = fakeServer();
    const linked = createLinkedSelection(server.share, (e) => { throw e; });
    linked.select('n0', { layer: 'c', filters: [1] }, 'chart');
    linked.receive({ network: 'n0', seq: 9, layer: 'c', filters: [8], inputs: [], origin: 'python' });
    expect(filters(linked.get('n0'))).toEqual([1]);
    server.reply();
    await flush();
    expect(filters(linked.get('n0'))).toEqual([8]);
  });
});
