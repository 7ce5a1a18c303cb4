import type { ApiClient } from '../api/client';
import type { InputSource } from '../api/types';
import type { DesktopLocomotion } from '../input/desktop-locomotion';
import type { DesktopPointer } from '../input/desktop-pointer';
import type { InteractionManager } from '../input/interaction';
import type { DatasetPanel } from '../scene/dataset-panel';
import type { CarriedItem } from '../scene/carried-item';
import type { NetworkView } from '../scene/network-view';
import type { QuadAtlas } from '../scene/quad-atlas';
import type { World } from '../scene/world';
import type { Magnifier } from '../ui/magnifier';
import type { Toast } from '../ui/toast';
import type { Tooltip } from '../ui/tooltip';
import type { WorldTooltip } from '../xr/world-tooltip';
import type { FrameScheduler } from './frame-scheduler';
import type { RenderGate } from './render-gate';

/** What the carried image is: the input source it becomes when dropped on an input canvas. */
export interface Carry {
  source: InputSource;
  label: string;
}

export interface Metrics {
  /** ms from "drop image" (or input event) to "all panels of that network updated" */
  lastUpdateMs: number | null;
  updates: number;
  frameMs: number;
  /** CPU ms per frame (moving average) of each phase of the render loop */
  phases: { interaction: number; activations: number; canvases: number; render: number };
}

/** Shared state of the running client, passed to the app modules instead of globals. */
export interface AppContext {
  api: ApiClient;
  world: World;
  pointer: DesktopPointer;
  interaction: InteractionManager;
  locomotion: DesktopLocomotion;
  scheduler: FrameScheduler;
  /** skips drawing frames in which nothing changed */
  gate: RenderGate;
  cardAtlas: QuadAtlas;
  labelAtlas: QuadAtlas;
  carried: CarriedItem;
  carry: Carry | null;
  views: Map<string, NetworkView>;
  datasetPanels: DatasetPanel[];
  toast: Toast;
  tooltip: Tooltip;
  /** hover info in the world, for pointers without a screen position (XR); set by the VR mode */
  worldTooltip?: WorldTooltip;
  magnifier: Magnifier;
  metrics: Metrics;
  /**
   * bring a network's activations, classification and input image up to input `version` (after a drop or an
   * input event; undefined: whatever the server has), fetching each version once; `t0` is when the input was given
   */
  refresh(nid: string, version?: number, t0?: number): Promise<void>;
  /** fly the camera to the first layer whose name or id matches the query; false if none does */
  flyToLayer(query: string): boolean;
  reportError(err: unknown): void;
}
