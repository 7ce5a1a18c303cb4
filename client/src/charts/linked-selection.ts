// The linked views' selection (ConvViz R5): filters of one layer and dataset inputs, one state per network shared
// by every chart, every panel and every client. Pure logic, no three.js: the server stores it and broadcasts it
// (event: selection); this module applies local choices at once and reconciles them with what the server says.
import type { AnalysisSelection, SelectionState } from '../api/types';

export interface Selection {
  readonly layer: string | null;
  readonly filters: ReadonlySet<number>;
  readonly inputs: ReadonlySet<number>;
  /** who made it: 'chart:ranking', 'panel', 'python', … */
  readonly origin: string;
}

export interface SelectionChange {
  layer?: string | null;
  filters?: Iterable<number>;
  inputs?: Iterable<number>;
}

export type SelectionListener = (nid: string, selection: Selection) => void;

export interface LinkedSelection {
  get(nid: string): Selection;
  /** Select here (a chart or a panel): shown at once, then shared with the server and every other client. */
  select(nid: string, change: SelectionChange, origin: string): void;
  /** A selection from the event stream (this client's own echo included). */
  receive(state: SelectionState): void;
  onChange(listener: SelectionListener): () => void;
}

const EMPTY: Selection = { layer: null, filters: new Set(), inputs: new Set(), origin: '' };

interface NetworkSync {
  current: Selection;
  /** the newest server state applied (its seq) */
  seq: number;
  /** local changes on their way to the server: events that arrive meanwhile wait, or the view would flicker */
  inFlight: number;
  waiting: SelectionState | null;
}

/** `share` sends a selection to the server (PUT …/analysis/selection) and resolves with the stored state. */
export function createLinkedSelection(
  share: (nid: string, selection: AnalysisSelection) => Promise<SelectionState>, onError: (err: unknown) => void,
): LinkedSelection {
  const networks = new Map<string, NetworkSync>();
  const listeners = new Set<SelectionListener>();
  const sync = (nid: string) => {
    let s = networks.get(nid);
    if (!s) networks.set(nid, (s = { current: EMPTY, seq: 0, inFlight: 0, waiting: null }));
    return s;
  };
  const show = (nid: string, s: NetworkSync, next: Selection) => {
    if (sameSelection(s.current, next)) return;
    s.current = next;
    listeners.forEach((l) => l(nid, next));
  };
  const apply = (s: NetworkSync, state: SelectionState) => {
    s.seq = state.seq;
    show(state.network, s, fromState(state));
  };
  return {
    get: (nid) => sync(nid).current,
    select(nid, change, origin) {
      const s = sync(nid);
      const next = merge(s.current, change, origin);
      show(nid, s, next);
      s.inFlight++;
      share(nid, toState(next)).then(
        (stored) => {
          s.seq = Math.max(s.seq, stored.seq);
          if (--s.inFlight === 0 && s.waiting && s.waiting.seq > s.seq) apply(s, s.waiting);
          if (s.inFlight === 0) s.waiting = null;
        },
        (err) => {
          s.inFlight--;
          onError(err);
        },
      );
    },
    receive(state) {
      const s = sync(state.network);
      if (state.seq <= s.seq) return;
      if (s.inFlight > 0) s.waiting = state;
      else apply(s, state);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The change on top of the current selection; filters of another layer replace the old layer's. */
export function merge(current: Selection, change: SelectionChange, origin: string): Selection {
  const layer = change.layer !== undefined ? change.layer : current.layer;
  const filters = change.filters ? new Set(change.filters) : layer === current.layer ? current.filters : new Set<number>();
  const inputs = change.inputs ? new Set(change.inputs) : current.inputs;
  return { layer: layer ?? null, filters: layer === null ? new Set() : filters, inputs, origin };
}

export function sameSelection(a: Selection, b: Selection): boolean {
  return a.layer === b.layer && sameSet(a.filters, b.filters) && sameSet(a.inputs, b.inputs);
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  if (a.size !== b.size) return false;
  for (const v of a) if (!b.has(v)) return false;
  return true;
}

function fromState(state: SelectionState): Selection {
  return { layer: state.layer ?? null, filters: new Set(state.filters ?? []), inputs: new Set(state.inputs ?? []), origin: state.origin ?? '' };
}

function toState(s: Selection): AnalysisSelection {
  return { layer: s.layer, filters: [...s.filters].sort((a, b) => a - b), inputs: [...s.inputs].sort((a, b) => a - b), origin: s.origin };
}
