import type { ActivationSet, LayerActivation } from '../api/types';
import type { LinkedSelection } from '../charts/linked-selection';
import { STRIP_WORLD, createConvolutionStrip } from '../scene/convolution-strip';
import type { ConvolutionStrip } from '../scene/convolution-strip';
import { createFilterPanel } from '../scene/filter-panel';
import type { FilterPanel, KernelView } from '../scene/filter-panel';
import type { NetworkView } from '../scene/network-view';
import { Vector3 } from 'three';
import type { AppContext } from './context';

/** Per layer: its feature maps (the panel) or its filters; a first layer also shows ConvViz's convolution steps. */
export interface FilterView {
  /** maps → kernels (RGB for a first layer over colour) → norms → maps; returns what is shown now */
  toggle(view: NetworkView, lid: string): Promise<KernelView | 'maps'>;
  /** a new input: the convolution steps depend on it */
  inputChanged(nid: string): void;
  debug(nid: string, lid: string): FilterDebug | null;
}

export interface FilterDebug {
  view: KernelView;
  /** RGBA pixels of channel c's cell of the drawn filters, and its size */
  cellPixels(channel: number): { width: number; height: number; data: number[] } | null;
  strip: { layer: string; channel: number; bias: number; batchNorm: boolean } | null;
}

interface Shown {
  panel: FilterPanel;
  weights: ActivationSet;
  strip: ConvolutionStrip | null;
}

export function installFilterView(ctx: AppContext, selection: LinkedSelection): FilterView {
  const shown = new Map<string, Shown>(); // key nid/lid
  const weightCache = new Map<string, Promise<ActivationSet>>();
  const weightsOf = (nid: string, lid: string) => {
    const key = `${nid}/${lid}`;
    if (!weightCache.has(key)) weightCache.set(key, ctx.api.layerWeights(nid, lid).catch((err) => {
      weightCache.delete(key);
      throw err;
    }));
    return weightCache.get(key)!;
  };
  const isFirst = (view: NetworkView, lid: string) => {
    const node = view.graph.nodes.find((n) => n.id === lid);
    return !!node && node.kind === 'conv' && node.precursors.length === 1 && node.precursors[0] === view.graph.nodes[0]?.id;
  };
  const hide = (key: string) => {
    const s = shown.get(key);
    if (!s) return;
    s.panel.dispose();
    if (s.strip) {
      ctx.world.scene.remove(s.strip.panel.mesh);
      s.strip.panel.dispose();
    }
    shown.delete(key);
  };
  const loadStrip = async (view: NetworkView, lid: string, s: Shown) => {
    const sel = selection.get(view.info.id);
    const channel = sel.layer === lid && sel.filters.size ? Math.min(...sel.filters) : 0;
    const r = await ctx.api.firstLayerConvolution(view.info.id, lid, channel);
    const byId = new Map(r.set.layers.map((l) => [l.id, l]));
    const get = (id: string) => byId.get(id) as LayerActivation;
    s.strip?.show({ layer: lid, channel, kernel: get('kernel'), convolved: get('convolved'), biased: get('biased'), output: get('output'),
      bias: r.bias, batchNorm: r.batchNorm });
    ctx.gate.invalidate();
  };
  selection.onChange((nid, sel) => {
    const view = ctx.store.views.get(nid);
    const s = sel.layer ? shown.get(`${nid}/${sel.layer}`) : undefined;
    if (view && s?.strip && sel.layer) loadStrip(view, sel.layer, s).catch((err) => ctx.reportError(err));
  });

  const api: FilterView = {
    async toggle(view, lid) {
      const key = `${view.info.id}/${lid}`;
      const panel = view.panels.get(lid);
      if (!panel) throw new Error(`no layer ${lid} in ${view.info.name}`);
      const before = shown.get(key)?.panel.view;
      hide(key);
      const weights = await weightsOf(view.info.id, lid);
      const weight = weights.layers.find((l) => l.id === 'weight')!;
      const norms = weights.layers.find((l) => l.id === 'norms')!;
      const rgb = weight.shape[1] === 3;
      const order: (KernelView | 'maps')[] = rgb ? ['maps', 'rgb', 'kernels', 'norms'] : ['maps', 'kernels', 'norms'];
      const next = order[(order.indexOf(before ?? 'maps') + 1) % order.length];
      if (next === 'maps') {
        ctx.gate.invalidate();
        return 'maps';
      }
      const s: Shown = { panel: createFilterPanel(panel, weight, norms, next), weights, strip: null };
      shown.set(key, s);
      if (isFirst(view, lid)) {
        s.strip = createConvolutionStrip();
        s.strip.panel.mesh.onBeforeRender = () => s.strip?.panel.update();
        panel.object.updateMatrixWorld();
        const top = panel.object.localToWorld(new Vector3(0, 0.5, 0));
        s.strip.panel.mesh.position.set(top.x, top.y + STRIP_WORLD.height / 2 + 0.05, top.z + 0.01);
        panel.object.getWorldQuaternion(s.strip.panel.mesh.quaternion);
        ctx.world.scene.add(s.strip.panel.mesh);
        await loadStrip(view, lid, s);
      }
      ctx.gate.invalidate();
      return next;
    },
    inputChanged(nid) {
      for (const [key, s] of shown) {
        const [n, lid] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
        const view = ctx.store.views.get(n);
        if (n === nid && view && s.strip) loadStrip(view, lid, s).catch((err) => ctx.reportError(err));
      }
    },
    debug(nid, lid) {
      const s = shown.get(`${nid}/${lid}`);
      if (!s) return null;
      const st = s.strip?.shown;
      return {
        view: s.panel.view,
        cellPixels(channel) {
          const box = s.panel.cellBox(channel);
          if (!box) return null;
          const [x, y, w, h] = box.map(Math.round);
          const data = s.panel.canvas.getContext('2d')!.getImageData(x, y, w, h).data;
          return { width: w, height: h, data: Array.from(data) };
        },
        strip: st ? { layer: st.layer, channel: st.channel, bias: st.bias, batchNorm: st.batchNorm } : null,
      };
    },
  };

  window.addEventListener('keydown', (e) => {
    if (e.code !== 'KeyV' || e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey) return;
    const hit = ctx.interaction.hovered(ctx.pointer);
    const lid = hit?.object.userData.layerId as string | undefined;
    const view = ctx.store.views.get(hit?.object.userData.network as string);
    if (!lid || !view) {
      ctx.toast('Point at a layer panel and press V to show its filters (again: norms, then the maps).');
      return;
    }
    api.toggle(view, lid).then((now) => ctx.toast(`${lid}: ${now === 'maps' ? 'feature maps' : `filters (${now})`}`),
      (err) => ctx.reportError(err));
  });
  return api;
}
