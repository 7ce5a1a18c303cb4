import { Vector2, Vector3 } from 'three';
import type { Mesh, ShaderMaterial } from 'three';
import type { AppContext } from './context';
import { examplesState, toggleExamples } from './dataset-examples';

const _v = new Vector3();

/**
 * `window.__layerwalk.examples`: what the dataset-examples mode shows and where to aim at it, for tests. Nothing
 * in the client depends on it.
 */
export function examplesDebug(ctx: AppContext) {
  const viewOf = (nid: string) => {
    const view = ctx.store.views.get(nid);
    if (!view) throw new Error(`no network ${nid}`);
    return view;
  };
  const worldOf = (mesh: Mesh, u: number, v: number) => {
    const g = (mesh.geometry as unknown as { parameters?: { width: number; height: number } }).parameters ?? { width: 1, height: 1 };
    mesh.updateWorldMatrix(true, false);
    return mesh.localToWorld(_v.set((u - 0.5) * g.width, (v - 0.5) * g.height, 0)).toArray();
  };
  return {
    toggle: (lid: string, nid = 'n0') => toggleExamples(ctx, viewOf(nid), lid),
    /** the panels in examples mode, the crop atlas a panel wears, and the fan-out's title and examples */
    state(lid?: string, nid = 'n0') {
      const view = viewOf(nid);
      const s = examplesState(view);
      const material = lid ? (view.panels.get(lid)?.object.material as ShaderMaterial | undefined) : undefined;
      const crops = material?.uniforms?.channelOf ? material.uniforms.map.value.image : null;
      return s && {
        shown: [...s.shown], fanVisible: s.fan.object.visible, fanTitle: s.fan.title, fanOf: s.fanOf,
        fan: s.fan.examples.map((e) => ({ image: e.image, value: e.value, loaded: e.bitmap !== null })),
        crops: crops && { width: crops.width, height: crops.height, src: crops.src },
        selectedUniform: material?.uniforms?.selected?.value ?? null,
      };
    },
    /** world point of the centre of a channel's tile on a layer panel */
    tileWorld(lid: string, channel: number, nid = 'n0') {
      const panel = viewOf(nid).panels.get(lid);
      if (!panel) return null;
      const a = panel.atlas;
      for (let k = 0; k < a.cols * a.rows; k++) {
        const u = ((k % a.cols) * a.pitchX + a.cellW / 2) / a.width;
        const v = 1 - (Math.floor(k / a.cols) * a.pitchY + a.cellH / 2) / a.height;
        if (panel.hitAt(new Vector2(u, v))?.channel === channel) return worldOf(panel.object, u, v);
      }
      return null;
    },
    /** world point of the centre of the i-th example of the fan-out */
    fanWorld(i: number, nid = 'n0') {
      const s = examplesState(viewOf(nid));
      if (!s) return null;
      const [u, v] = s.fan.exampleUv(i);
      return worldOf(s.fan.object, u, v);
    },
  };
}
