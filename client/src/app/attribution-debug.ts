import { Vector3 } from 'three';
import type { AttributionRequest } from '../api/types';
import type { PanelMode } from '../scene/attribution-modes';
import { analyzeNetwork, attributionState, selectTarget, setNetworkMode, setPanelMode } from './attribution';
import type { AppContext } from './context';
import { methodPicker } from './method-picker';

const _v = new Vector3();

/**
 * `window.__layerwalk.attribution`: what the attribution shows and where to aim at it, for tests and
 * screenshots. Nothing in the client depends on it.
 */
export function attributionDebug(ctx: AppContext) {
  const viewOf = (nid: string) => {
    const view = ctx.store.views.get(nid);
    if (!view) throw new Error(`no network ${nid}`);
    return view;
  };
  return {
    /** the network's last result (method, key, version, targets), the selected class and the mode */
    state(nid = 'n0') {
      const view = viewOf(nid);
      const s = attributionState(view);
      const r = s.result;
      return {
        mode: s.mode, target: s.target, method: s.method, running: !!s.running, stationNote: view.station.note,
        result: r && { key: r.key, method: r.method, version: r.version, targets: r.targets.map((t) => t.index),
          layers: r.layers.map((l) => l.id), sanity: r.sanity, cost: r.cost },
        card: view.outputId ? view.cards.get(view.outputId)?.state.analysis ?? null : null,
      };
    },
    /** one panel: its mode and importance view, the shader's uniforms and a checksum of its attribution map */
    panel(lid: string, nid = 'n0') {
      const panel = viewOf(nid).panels.get(lid);
      if (!panel) return null;
      const u = panel.material.uniforms;
      return {
        mode: panel.mode, importance: panel.importance, modeUniform: u.mode.value, hasAttr: u.hasAttr.value,
        frames: u.frames.value, attrTexture: u.attrMap.value.uuid, attrChecksum: checksum(panel.attribution?.data),
        target: panel.attribution ? attributionState(viewOf(nid)).target : null,
      };
    },
    analyze: async (request: Partial<AttributionRequest> = {}, nid = 'n0') => (await analyzeNetwork(ctx, viewOf(nid), request))?.key ?? null,
    selectTarget: (classIndex: number, nid = 'n0') => selectTarget(ctx, viewOf(nid), classIndex),
    setPanelMode: (lid: string, mode: PanelMode, nid = 'n0') => setPanelMode(ctx, viewOf(nid), lid, mode),
    setNetworkMode: (mode: PanelMode, nid = 'n0') => setNetworkMode(ctx, viewOf(nid), mode),
    /** the method picker beside the input canvas: the chosen method, the one running, the buttons it shows */
    picker(nid = 'n0') {
      const p = methodPicker(viewOf(nid));
      return p ? { selected: p.selected, running: p.running, methods: p.methods.map((m) => m.name) } : null;
    },
    /** world point of the centre of a method's button on the picker (the mouse or a VR controller aims there) */
    methodWorld(name: string, nid = 'n0') {
      const p = methodPicker(viewOf(nid));
      const uv = p?.methodUv(name);
      if (!p || !uv) return null;
      const g = (p.object.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
      p.object.updateWorldMatrix(true, false);
      return p.object.localToWorld(_v.set((uv[0] - 0.5) * g.width, (uv[1] - 0.5) * g.height, 0)).toArray();
    },
    /** world point of the centre of the i-th class bar on the input canvas (a VR controller aims there) */
    barWorld(i: number, nid = 'n0') {
      const station = viewOf(nid).station;
      const [u, v] = station.barUv(i);
      const g = (station.object.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
      station.object.updateWorldMatrix(true, false);
      return station.object.localToWorld(_v.set((u - 0.5) * g.width, (v - 0.5) * g.height, 0)).toArray();
    },
  };
}

/** A few sampled levels of a map, to tell maps apart. */
function checksum(data: Uint8Array | undefined): number | null {
  if (!data) return null;
  let h = 0;
  const step = Math.max(1, Math.floor(data.length / 4096));
  for (let i = 0; i < data.length; i += step) h = (h * 31 + data[i]) >>> 0;
  return h;
}
