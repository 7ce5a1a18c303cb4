import { describe, expect, it } from 'vitest';
import type { DatasetPanel } from '../../src/scene/dataset-panel';
import type { NetworkView } from '../../src/scene/network-view';
import { createAppStore } from '../../src/app/store';
import type { AppChange } from '../../src/app/store';

// the store keeps views and panels by reference and reads only a network's id: a bare object stands for one
const view = (id: string) => ({ info: { id } }) as unknown as NetworkView;
const panel = (id: string) => ({ dataset: { id } }) as unknown as DatasetPanel;

function recorded() {
  const store = createAppStore();
  const changes: AppChange[] = [];
  store.onChange((c) => changes.push(c));
  return { store, changes };
}

describe('createAppStore', () => {
  it('starts empty: no carry, no networks, no chosen class, input version -1, nothing loading', () => {
    const store = createAppStore();
    expect(store.carry).toBeNull();
    expect(store.views.size).toBe(0);
    expect(store.datasetPanels).toEqual([]);
    expect(store.chosenClass.size).toBe(0);
    expect(store.refreshing.size).toBe(0);
    expect(store.inputVersion('n0')).toBe(-1);
    expect(store.metrics).toEqual({ lastUpdateMs: null, updates: 0, frameMs: 0,
      phases: { interaction: 0, activations: 0, canvases: 0, render: 0 } });
  });

  it('pickUp and putDown set and clear the carried image and announce it', () => {
    const { store, changes } = recorded();
    const carry = { source: { source: 'noise' as const, seed: 3 }, label: 'noise 3' };
    store.pickUp(carry);
    expect(store.carry).toBe(carry);
    store.putDown();
    expect(store.carry).toBeNull();
    expect(changes).toEqual([{ kind: 'carry', carry }, { kind: 'carry', carry: null }]);
  });

  it('addNetwork and addDatasetPanel keep the shown networks by id and the panels in order', () => {
    const { store, changes } = recorded();
    const [a, b] = [view('n0'), view('n1')];
    store.addNetwork(a);
    store.addNetwork(b);
    const [p, q] = [panel('photos'), panel('shapes')];
    store.addDatasetPanel(p);
    store.addDatasetPanel(q);
    expect([...store.views]).toEqual([['n0', a], ['n1', b]]);
    expect(store.datasetPanels).toEqual([p, q]);
    expect(changes.map((c) => c.kind)).toEqual(['network-added', 'network-added', 'dataset-panel-added', 'dataset-panel-added']);
  });

  it('chooseClass keeps the latest class per network', () => {
    const { store, changes } = recorded();
    store.chooseClass('n0', 3);
    store.chooseClass('n1', 7);
    store.chooseClass('n0', 5);
    expect(Object.fromEntries(store.chosenClass)).toEqual({ n0: 5, n1: 7 });
    expect(changes.at(-1)).toEqual({ kind: 'class-chosen', nid: 'n0', classIndex: 5 });
  });

  it('showInput sets the input version of one network only', () => {
    const { store, changes } = recorded();
    store.showInput('n0', 4);
    expect(store.inputVersion('n0')).toBe(4);
    expect(store.inputVersion('n1')).toBe(-1);
    expect(changes).toEqual([{ kind: 'input-shown', nid: 'n0', version: 4 }]);
  });

  it('setRefreshing tracks the networks being loaded and announces only real changes', () => {
    const { store, changes } = recorded();
    store.setRefreshing('n0', true);
    store.setRefreshing('n0', true);
    store.setRefreshing('n1', true);
    expect([...store.refreshing]).toEqual(['n0', 'n1']);
    store.setRefreshing('n0', false);
    store.setRefreshing('n0', false);
    expect([...store.refreshing]).toEqual(['n1']);
    expect(changes).toEqual([
      { kind: 'refreshing', nid: 'n0', busy: true },
      { kind: 'refreshing', nid: 'n1', busy: true },
      { kind: 'refreshing', nid: 'n0', busy: false },
    ]);
  });

  it('records update times and moving averages of frame and phase times', () => {
    const store = createAppStore();
    store.recordUpdate(120);
    store.recordUpdate(80);
    expect(store.metrics.lastUpdateMs).toBe(80);
    expect(store.metrics.updates).toBe(2);
    store.recordFrame(20);
    store.recordFrame(20);
    expect(store.metrics.frameMs).toBeCloseTo(3.8); // 0.1·20, then 0.9·2 + 0.1·20
    store.recordPhase('render', 10);
    expect(store.metrics.phases.render).toBeCloseTo(1);
    expect(store.metrics.phases.interaction).toBe(0);
  });

  it('onChange returns an unsubscribe function', () => {
    const store = createAppStore();
    const seen: AppChange[] = [];
    const stop = store.onChange((c) => seen.push(c));
    store.chooseClass('n0', 1);
    stop();
    store.chooseClass('n0', 2);
    expect(seen).toHaveLength(1);
  });
});
