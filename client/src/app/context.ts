import type { ApiClient } from '../api/client';
import type { DesktopLocomotion } from '../input/desktop-locomotion';
import type { DesktopPointer } from '../input/desktop-pointer';
import type { InteractionManager } from '../input/interaction';
import type { CarriedItem } from '../scene/carried-item';
import type { WorldText } from '../scene/world-text';
import type { QuadAtlas } from '../scene/quad-atlas';
import type { World } from '../scene/world';
import type { Magnifier } from '../ui/magnifier';
import type { Toast } from '../ui/toast';
import type { Tooltip } from '../ui/tooltip';
import type { WorldTooltip } from '../xr/world-tooltip';
import type { FrameScheduler } from './frame-scheduler';
import type { RenderGate } from './render-gate';
import type { AppStore } from './store';

export type { Carry } from './store';

/**
 * What the app modules get instead of globals: the parts of the client and what they can do, created once by
 * `startApp` and never replaced. What changes while the client runs lives in `store` and is written only through
 * its actions.
 */
export interface AppContext {
  readonly api: ApiClient;
  /** the state of the running client (carried image, networks shown, chosen classes, input versions, timings) */
  readonly store: AppStore;
  readonly world: World;
  readonly pointer: DesktopPointer;
  readonly interaction: InteractionManager;
  readonly locomotion: DesktopLocomotion;
  /** runs work and "wait for the next frame" from the renderer's animation loop (desktop and XR alike) */
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
  /**
   * bring a network's activations, classification and input image up to input `version` (after a drop or an
   * input event; undefined: whatever the server has), fetching each version once; `t0` is when the input was given
   */
  readonly refresh: (nid: string, version?: number, t0?: number) => Promise<void>;
  /** fly the camera to the first layer whose name or id matches the query; false if none does */
  readonly flyToLayer: (query: string) => boolean;
  /** fly the camera to one layer of one network; false if there is no such panel */
  readonly flyToLayerOf: (nid: string, lid: string) => boolean;
  /** fly again to the layer's spot if the camera stands there (something was added beside the layer) */
  readonly reframeLayer: (nid: string, lid: string) => void;
  readonly reportError: (err: unknown) => void;
}
