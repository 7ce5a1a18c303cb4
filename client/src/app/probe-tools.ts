import { Vector3 } from 'three';
import type { ProbingState } from '../api/types';
import type { Charts } from '../charts/charts';
import type { ProbeButton, ProbeMode } from '../scene/probe-toolbar';
import type { AppContext } from './context';
import { installFilterView } from './filter-view';
import { installProbing, tileWorld } from './probing';
import type { Probing } from './probing';

/** The probing tools (activity flow, feeders, ablation) and the filter view, with their test hooks. */
export interface ProbeTools {
  /** once the scene is built (after the charts linked the panels: the probing click wraps theirs) */
  linkViews(): void;
  receive(state: ProbingState): void;
  inputChanged(nid: string): void;
  readonly debug: ReturnType<typeof probeDebug>;
}

export function installProbeTools(ctx: AppContext, charts: Charts): ProbeTools {
  const filters = installFilterView(ctx, charts.selection);
  let probing: Probing | null = null;
  const waiting: ProbingState[] = []; // events that came before the scene was built
  return {
    linkViews() {
      probing = installProbing(ctx, charts.selection, (view, lid) => {
        filters.toggle(view, lid).catch((err) => ctx.reportError(err));
      });
      waiting.splice(0).forEach((s) => probing!.receive(s));
    },
    receive(state) {
      if (probing) probing.receive(state);
      else waiting.push(state);
    },
    inputChanged: (nid) => filters.inputChanged(nid),
    debug: probeDebug(ctx, () => probing, filters),
  };
}

const _v = new Vector3();

function probeDebug(ctx: AppContext, probing: () => Probing | null, filters: ReturnType<typeof installFilterView>) {
  const project = (p: Vector3) => {
    const cam = ctx.world.camera;
    cam.updateMatrixWorld();
    const inFront = p.clone().applyMatrix4(cam.matrixWorldInverse).z < 0;
    p.project(cam);
    const rect = ctx.world.renderer.domElement.getBoundingClientRect();
    const x = rect.left + ((p.x + 1) / 2) * rect.width;
    const y = rect.top + ((1 - p.y) / 2) * rect.height;
    return { x, y, inFront, visible: inFront && x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom };
  };
  return {
    state: (nid = 'n0') => probing()?.debug(nid) ?? null,
    setMode: (mode: ProbeMode) => probing()?.setMode(mode),
    /** world position of a channel's tile (the VR emulation aims there) */
    tileWorld(lid: string, channel: number, nid = 'n0') {
      const panel = ctx.store.views.get(nid)?.panels.get(lid);
      const p = panel && tileWorld(panel, channel);
      return p ? p.toArray() : null;
    },
    tileScreen(lid: string, channel: number, nid = 'n0') {
      const panel = ctx.store.views.get(nid)?.panels.get(lid);
      const p = panel && tileWorld(panel, channel, undefined, _v);
      return p ? project(p) : null;
    },
    /** world position / screen position of a toolbar button */
    buttonWorld(button: ProbeButton, nid = 'n0') {
      return buttonPoint(ctx, nid, button)?.toArray() ?? null;
    },
    buttonScreen(button: ProbeButton, nid = 'n0') {
      const p = buttonPoint(ctx, nid, button);
      return p ? project(p) : null;
    },
    filters: (lid: string, nid = 'n0') => filters.debug(nid, lid),
    toggleFilters(lid: string, nid = 'n0') {
      const view = ctx.store.views.get(nid);
      return view ? filters.toggle(view, lid) : Promise.resolve(null);
    },
  };
}

function buttonPoint(ctx: AppContext, nid: string, button: ProbeButton): Vector3 | null {
  const view = ctx.store.views.get(nid);
  let found: Vector3 | null = null;
  view?.object.traverse((o) => {
    if (o.name !== 'probe-toolbar' || found) return;
    const toolbar = o.userData.toolbar as { buttonUv(b: ProbeButton): [number, number] } | undefined;
    const g = (o as unknown as { geometry: { parameters: { width: number; height: number } } }).geometry.parameters;
    const [u, v] = toolbar ? toolbar.buttonUv(button) : [0.5, 0.5];
    o.updateMatrixWorld();
    found = o.localToWorld(new Vector3((u - 0.5) * g.width, (v - 0.5) * g.height, 0));
  });
  return found;
}
