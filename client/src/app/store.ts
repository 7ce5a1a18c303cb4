import type { InputSource } from '../api/types';
import type { DatasetPanel } from '../scene/dataset-panel';
import type { NetworkView } from '../scene/network-view';

/** What the carried image is: the input source it becomes when dropped on an input canvas. */
export interface Carry {
  source: InputSource;
  label: string;
}

export interface Metrics {
  /** ms from "drop image" (or input event) to "all panels of that network updated" */
  readonly lastUpdateMs: number | null;
  readonly updates: number;
  readonly frameMs: number;
  /** CPU ms per frame (moving average) of each phase of the render loop */
  readonly phases: Readonly<Record<RenderPhase, number>>;
}

export type RenderPhase = 'interaction' | 'activations' | 'canvases' | 'render';

/** One write to the store, as its listeners hear it (the per-frame timings are not announced). */
export type AppChange =
  | { kind: 'carry'; carry: Carry | null }
  | { kind: 'network-added'; nid: string }
  | { kind: 'dataset-panel-added'; panel: DatasetPanel }
  | { kind: 'class-chosen'; nid: string; classIndex: number }
  | { kind: 'input-shown'; nid: string; version: number }
  | { kind: 'refreshing'; nid: string; busy: boolean };

/**
 * The state of the running client, in one place: everything here is read through the readonly fields and written
 * only through the named actions below, so the desktop, VR mode and the server's events change it the same way and
 * the debug API reads it as it is. Hand-written (a few fields, synchronous listeners): a store library would add
 * a dependency and a second vocabulary for so little.
 */
export interface AppStore {
  /** the image the user carries (desktop pointer or controller), null when the hands are empty */
  readonly carry: Carry | null;
  /** the networks shown, filled once when the scene is built from the server's networks */
  readonly views: ReadonlyMap<string, NetworkView>;
  readonly datasetPanels: readonly DatasetPanel[];
  /**
   * per network, the class the user chose (a class bar of the input canvas, the output legend): the target of the
   * attribution and of the activity-flow class list; absent until one is chosen
   */
  readonly chosenClass: ReadonlyMap<string, number>;
  /** the networks whose input is being loaded (a drop, an input event) and is not on every panel yet */
  readonly refreshing: ReadonlySet<string>;
  readonly metrics: Metrics;
  /** the input version a network's panels show; -1 before its first load */
  inputVersion(nid: string): number;

  pickUp(carry: Carry): void;
  putDown(): void;
  addNetwork(view: NetworkView): void;
  addDatasetPanel(panel: DatasetPanel): void;
  chooseClass(nid: string, classIndex: number): void;
  showInput(nid: string, version: number): void;
  setRefreshing(nid: string, busy: boolean): void;
  /** an input reached every panel of a network `ms` after it was given */
  recordUpdate(ms: number): void;
  /** one animation frame took `dtMs` (moving average) */
  recordFrame(dtMs: number): void;
  /** one phase of the render loop took `ms` of CPU this frame (moving average) */
  recordPhase(phase: RenderPhase, ms: number): void;
  /** call `listener` after every announced change; returns the unsubscribe function */
  onChange(listener: (change: AppChange) => void): () => void;
}

/** weight of the newest sample in the frame and phase moving averages */
const SMOOTHING = 0.1;

export function createAppStore(): AppStore {
  let carry: Carry | null = null;
  const views = new Map<string, NetworkView>();
  const datasetPanels: DatasetPanel[] = [];
  const chosenClass = new Map<string, number>();
  const versions = new Map<string, number>();
  const refreshing = new Set<string>();
  const phases: Record<RenderPhase, number> = { interaction: 0, activations: 0, canvases: 0, render: 0 };
  const metrics = { lastUpdateMs: null as number | null, updates: 0, frameMs: 0, phases };
  const listeners = new Set<(change: AppChange) => void>();
  const announce = (change: AppChange) => listeners.forEach((listener) => listener(change));
  const smooth = (old: number, sample: number) => old * (1 - SMOOTHING) + sample * SMOOTHING;

  return {
    get carry() {
      return carry;
    },
    views, datasetPanels, chosenClass, refreshing, metrics,
    inputVersion: (nid) => versions.get(nid) ?? -1,
    pickUp(next) {
      carry = next;
      announce({ kind: 'carry', carry });
    },
    putDown() {
      carry = null;
      announce({ kind: 'carry', carry });
    },
    addNetwork(view) {
      views.set(view.info.id, view);
      announce({ kind: 'network-added', nid: view.info.id });
    },
    addDatasetPanel(panel) {
      datasetPanels.push(panel);
      announce({ kind: 'dataset-panel-added', panel });
    },
    chooseClass(nid, classIndex) {
      chosenClass.set(nid, classIndex);
      announce({ kind: 'class-chosen', nid, classIndex });
    },
    showInput(nid, version) {
      versions.set(nid, version);
      announce({ kind: 'input-shown', nid, version });
    },
    setRefreshing(nid, busy) {
      if (busy === refreshing.has(nid)) return;
      if (busy) refreshing.add(nid);
      else refreshing.delete(nid);
      announce({ kind: 'refreshing', nid, busy });
    },
    recordUpdate(ms) {
      metrics.lastUpdateMs = ms;
      metrics.updates++;
    },
    recordFrame(dtMs) {
      metrics.frameMs = smooth(metrics.frameMs, dtMs);
    },
    recordPhase(phase, ms) {
      phases[phase] = smooth(phases[phase], ms);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
