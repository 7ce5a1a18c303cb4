import type { ApiClient } from '../api/client';
import type { InputSource } from '../api/types';
import type { DesktopLocomotion } from '../input/desktop-locomotion';
import type { DesktopPointer } from '../input/desktop-pointer';
import type { InteractionManager } from '../input/interaction';
import type { DatasetPanel } from '../scene/dataset-panel';
import type { CarriedItem } from '../scene/carried-item';
import type { NetworkView } from '../scene/network-view';
import type { WorldText } from '../scene/world-text';
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

/** What changes while the client runs; the only fields any module assigns. */
export interface AppState {
  /** the image the user carries (desktop pointer or controller), null when the hands are empty */
  carry: Carry | null;
  /** filled once when the scene is built from the server's networks and datasets */
  readonly views: Map<string, NetworkView>;
  readonly datasetPanels: DatasetPanel[];
  readonly metrics: Metrics;
  /**
   * per network, the class the user chose (a class bar of the input canvas, the output legend): the target of the
   * attribution and of the activity-flow class list; absent until one is chosen
   */
  readonly chosenClass: Map<string, number>;
}

/** The parts of the client and what they can do, created once by `startApp` and never replaced. */
export interface AppServices {
  readonly api: ApiClient;
  readonly world: World;
  readonly pointer: DesktopPointer;
  readonly interaction: InteractionManager;
  readonly locomotion: DesktopLocomotion;
  readonly scheduler: FrameScheduler;
  /** skips drawing frames in which nothing changed */
  readonly gate: RenderGate;
  readonly cardAtlas: QuadAtlas;
  readonly labelAtlas: QuadAtlas;
  /** crisp SDF text of the world (layer titles, classification rows, dataset captions): one draw call */
  readonly texts: WorldText;
  readonly carried: CarriedItem;
  readonly toast: Toast;
  readonly tooltip: Tooltip;
  /** hover info in the world, for pointers without a screen position (XR controllers) */
  readonly worldTooltip: WorldTooltip;
  readonly magnifier: Magnifier;
  /** called with (network id, class index) whenever a class is chosen (see `chosenClass`) */
  readonly classChosen: Set<(nid: string, classIndex: number) => void>;
  /**
   * bring a network's activations, classification and input image up to input `version` (after a drop or an
   * input event; undefined: whatever the server has), fetching each version once; `t0` is when the input was given
   */
  refresh(nid: string, version?: number, t0?: number): Promise<void>;
  /** fly the camera to the first layer whose name or id matches the query; false if none does */
  flyToLayer(query: string): boolean;
  /** fly the camera to one layer of one network; false if there is no such panel */
  flyToLayerOf(nid: string, lid: string): boolean;
  /** fly again to the layer's spot if the camera stands there (something was added beside the layer) */
  reframeLayer(nid: string, lid: string): void;
  reportError(err: unknown): void;
}

/** What the app modules get instead of globals: the services and the state of the running client. */
export interface AppContext extends AppServices, AppState {}
