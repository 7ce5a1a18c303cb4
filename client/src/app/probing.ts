import { Vector2, Vector3 } from 'three';
import type { FeedersResult, FlowResult, ProbingState } from '../api/types';
import type { LinkedSelection } from '../charts/linked-selection';
import { cellCentre, channelCells, createTileFrames } from '../charts/tile-frames';
import type { TileFrames } from '../charts/tile-frames';
import type { Interactive } from '../input/interaction';
import { FLOW_CARD_WORLD, createFlowCard } from '../scene/flow-card';
import type { FlowCard, FlowCardState } from '../scene/flow-card';
import { createFlowLines } from '../scene/flow-lines';
import type { FlowLines, FlowRoute } from '../scene/flow-lines';
import { STATION_WORLD } from '../scene/input-station';
import { PICKER_WORLD } from '../scene/method-picker';
import type { LayerPanel } from '../scene/layer-panel';
import { stationSpot } from '../scene/network-view';
import type { NetworkView } from '../scene/network-view';
import { TOOLBAR_WORLD, createProbeToolbar } from '../scene/probe-toolbar';
import type { ProbeButton, ProbeMode, ProbeToolbar } from '../scene/probe-toolbar';
import { COLORS } from '../scene/text';
import type { AppContext } from './context';

/** Channels framed per later layer (the server's top by |score|) and routes drawn per layer (the strongest). */
export const FLOW_TOP = 8;
export const ROUTES_PER_LAYER = 3;
const MODES: ProbeMode[] = ['off', 'flow', 'feeders', 'ablate', 'filters'];

/** What a network shows of the probing: the followed channel's result, and the switched-off channels. */
interface NetworkProbe {
  /** bumped by every new local request; answers of older ones are dropped */
  request: number;
  /** what is shown: direction/layer/channel/method */
  shown: string | null;
  /** keys this client asked for: their `probing` events are its own echo */
  mine: Set<string>;
  highlighted: Map<string, number[]>;
  frames: Map<string, TileFrames>;
  ablation: Record<string, number[]>;
  ablatedFrames: Map<string, TileFrames>;
  lines: FlowLines;
  card: FlowCard;
  /** server seconds of the last preview and exact flow (NaN before the first): is the preview worth showing first? */
  seconds: { gradient: number; ablation: number };
  toolbar: ProbeToolbar;
}

export interface Probing {
  readonly mode: ProbeMode;
  setMode(mode: ProbeMode): void;
  /** the activity flow (preview, then exact) or the feeders of a channel, as the mode says */
  follow(nid: string, lid: string, channel: number, direction: 'flow' | 'feeders'): Promise<void>;
  toggleAblation(nid: string, lid: string, channel: number): Promise<void>;
  /** switch off the linked selection's filters (clicked tiles, or a range chosen in a ranking chart) */
  ablateSelection(nid: string): Promise<void>;
  resetAblation(nid: string): Promise<void>;
  /** a `probing` event (any client's change, this one's echo included) */
  receive(state: ProbingState): void;
  /** what the tests read */
  debug(nid?: string): ProbingDebug | null;
}

export interface ProbingDebug {
  mode: ProbeMode;
  shown: string | null;
  highlighted: Record<string, number[]>;
  segments: number;
  card: FlowCardState | null;
  ablation: Record<string, number[]>;
  ablatedFrames: Record<string, number[]>;
}

/**
 * The probing tools on the panels: P (or the toolbar beside the input canvas) picks what a click on a tile does —
 * follow its activity flow, its feeders, switch it off, or show the layer's filters. `onFilters` is called in the
 * filters mode.
 */
export function installProbing(ctx: AppContext, selection: LinkedSelection,
  onFilters: (view: NetworkView, lid: string) => void): Probing {
  let mode: ProbeMode = 'off';
  const probes = new Map<string, NetworkProbe>();
  const probeOf = (nid: string) => probes.get(nid) ?? null;

  const setMode = (next: ProbeMode) => {
    mode = next;
    probes.forEach((p) => p.toolbar.setMode(next));
    ctx.gate.invalidate();
  };

  const probing: Probing = {
    get mode() {
      return mode;
    },
    setMode,
    async follow(nid, lid, channel, direction) {
      const view = ctx.store.views.get(nid);
      const p = probeOf(nid);
      if (!view || !p) return;
      const request = ++p.request;
      selection.select(nid, { layer: lid, filters: [channel] }, direction);
      const body = { layer: lid, channel, top: FLOW_TOP };
      try {
        if (direction === 'feeders') {
          p.mine.add(keyOf('feeders', lid, channel, 'ablation'));
          showCard(p, view, lid, { title: `what feeds ${lid} · ${channel}`, status: 'computing the feeders by ablation…', supported: [], suppressed: [] });
          const result = await ctx.api.channelFeeders(nid, body);
          if (request === p.request) showFeeders(ctx, view, p, result);
          return;
        }
        p.mine.add(keyOf('flow', lid, channel, 'gradient'));
        p.mine.add(keyOf('flow', lid, channel, 'ablation'));
        // the preview first, unless it proved slower than the exact flow on this network (a forward-mode pass costs
        // about three plain ones: on ResNet50 layer2 it does, see BENCHMARKS.md); the server runs one at a time
        if (!(p.seconds.gradient > p.seconds.ablation)) {
          showCard(p, view, lid, { title: `${lid} · channel ${channel}`, status: 'computing the preview…', supported: [], suppressed: [] });
          const preview = await ctx.api.activityFlow(nid, { ...body, method: 'gradient' });
          p.seconds.gradient = preview.seconds;
          if (request !== p.request) return;
          showFlow(ctx, view, p, preview);
        } else {
          showCard(p, view, lid, { title: `${lid} · channel ${channel}`, status: 'computing the exact flow by ablation…', supported: [], suppressed: [] });
        }
        const exact = await ctx.api.activityFlow(nid, { ...body, method: 'ablation' });
        p.seconds.ablation = exact.seconds;
        if (request === p.request) showFlow(ctx, view, p, exact);
      } catch (err) {
        if (request === p.request) ctx.reportError(err);
      }
    },
    async toggleAblation(nid, lid, channel) {
      const p = probeOf(nid);
      if (!p) return;
      const now = new Set(p.ablation[lid] ?? []);
      if (now.has(channel)) now.delete(channel);
      else now.add(channel);
      await setAblation(nid, p, { ...p.ablation, [lid]: [...now].sort((a, b) => a - b) });
    },
    async ablateSelection(nid) {
      const p = probeOf(nid);
      const s = selection.get(nid);
      if (!p || !s.layer || s.filters.size === 0) {
        ctx.toast('Select the filters to switch off first: click tiles, or choose a range in a ranking chart (G).');
        return;
      }
      const merged = new Set([...(p.ablation[s.layer] ?? []), ...s.filters]);
      await setAblation(nid, p, { ...p.ablation, [s.layer]: [...merged].sort((a, b) => a - b) });
    },
    async resetAblation(nid) {
      const p = probeOf(nid);
      if (!p) return;
      try {
        const r = await ctx.api.resetAblation(nid);
        showAblation(ctx, nid, p, r.layers);
      } catch (err) {
        ctx.reportError(err);
      }
    },
    receive(state) {
      const view = ctx.store.views.get(state.network);
      const p = probeOf(state.network);
      if (!view || !p) return;
      showAblation(ctx, state.network, p, state.ablation);
      const s = state.selection as { layer?: string; channel?: number; method?: string; direction?: string } | null;
      if (!s?.layer || s.channel === undefined) return;
      const key = keyOf(s.direction ?? 'flow', s.layer, s.channel, s.method ?? 'ablation');
      if (p.mine.has(key) || key === p.shown) return;
      const request = ++p.request; // someone else's selection: follow it, reading their result
      p.mine.clear();
      const load = s.direction === 'feeders'
        ? ctx.api.lastChannelFeeders(state.network).then((r) => request === p.request && showFeeders(ctx, view, p, r))
        : ctx.api.lastActivityFlow(state.network).then((r) => request === p.request && showFlow(ctx, view, p, r));
      load.catch((err) => ctx.reportError(err));
    },
    debug(nid = 'n0') {
      const p = probeOf(nid);
      if (!p) return null;
      return {
        mode, shown: p.shown, highlighted: Object.fromEntries(p.highlighted), segments: p.lines.segments,
        card: p.card.shown, ablation: { ...p.ablation },
        ablatedFrames: Object.fromEntries([...p.ablatedFrames].filter(([, f]) => f.channels.length).map(([k, f]) => [k, [...f.channels]])),
      };
    },
  };

  const setAblation = async (nid: string, p: NetworkProbe, layers: Record<string, number[]>) => {
    const wanted = Object.fromEntries(Object.entries(layers).filter(([, c]) => c.length));
    try {
      const r = await ctx.api.setAblation(nid, wanted);
      showAblation(ctx, nid, p, r.layers);
      const count = Object.values(r.layers).reduce((n, c) => n + c.length, 0);
      ctx.toast(count ? `${count} channels switched off` : 'every channel is on');
    } catch (err) {
      ctx.reportError(err);
    }
  };

  for (const view of ctx.store.views.values()) {
    const p = createProbe(ctx, view, (b) => (b === 'reset' ? void probing.resetAblation(view.info.id) : setMode(mode === b ? 'off' : b)));
    probes.set(view.info.id, p);
    view.panels.forEach((panel) => wrapPanelClick(view, panel));
    // at start only the ablation: a flow chosen before this client opened is not this user's selection
    ctx.api.probingState(view.info.id).then((s) => probing.receive({ ...s, selection: null }), (err) => ctx.reportError(err));
  }

  /** In a probing mode a click on a tile probes it; otherwise the panel's own click (magnifier, selection) runs. */
  function wrapPanelClick(view: NetworkView, panel: LayerPanel) {
    const interactive = panel.object.userData.interactive as Interactive | undefined;
    if (!interactive) return;
    const { select } = interactive;
    interactive.select = (hit) => {
      const h = hit.uv && panel.hitAt(hit.uv);
      const nid = view.info.id;
      if (mode === 'off' || !h) return select?.(hit);
      if (mode === 'flow' || mode === 'feeders') void probing.follow(nid, panel.node.id, h.channel, mode);
      else if (mode === 'ablate') void probing.toggleAblation(nid, panel.node.id, h.channel);
      else onFilters(view, panel.node.id);
    };
  }

  window.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return;
    const nid = ctx.store.views.keys().next().value;
    if (e.code === 'KeyP') {
      setMode(MODES[(MODES.indexOf(mode) + 1) % MODES.length]);
      ctx.toast(MODE_HELP[mode]);
    } else if (e.code === 'KeyX' && nid) {
      void (e.shiftKey ? probing.resetAblation(nid) : probing.ablateSelection(nid));
    }
  });
  return probing;
}

const MODE_HELP: Record<ProbeMode, string> = {
  off: 'Probing off: a click on a tile magnifies it.',
  flow: 'Activity flow: click a tile to see where its activity goes (preview first, then exact by ablation).',
  feeders: 'Feeders: click a tile to see which channels of the layers before feed it most.',
  ablate: 'Switch off: click tiles to switch their channels off (again: back on); Shift+X resets.',
  filters: 'Filters: click a layer to show its kernels instead of its feature maps (again: back).',
};

function keyOf(direction: string, layer: string, channel: number, method: string): string {
  return `${direction}/${layer}/${channel}/${method}`;
}

function createProbe(ctx: AppContext, view: NetworkView, press: (b: ProbeButton) => void): NetworkProbe {
  const lines = createFlowLines();
  const card = createFlowCard();
  const toolbar = createProbeToolbar();
  ctx.world.scene.add(lines.object, card.panel.mesh);
  const [ox, oz] = stationSpot(view.graph);
  // under the attribution method picker, right of the input canvas (above it, it would hide the first layers)
  toolbar.object.position.set(ox + STATION_WORLD.width / 2 + 0.1 + PICKER_WORLD.width / 2, 0.9 - TOOLBAR_WORLD.height / 2, oz + 0.3);
  toolbar.object.rotation.y = -0.5;
  toolbar.object.userData.network = view.info.id;
  toolbar.object.userData.toolbar = toolbar; // the test hook reads its button positions
  toolbar.object.onBeforeRender = () => toolbar.update();
  card.panel.mesh.onBeforeRender = () => card.panel.update();
  view.object.add(toolbar.object);
  const at = (uv: { x: number; y: number } | null) => (uv ? toolbar.buttonAt(uv.x, uv.y) : null);
  ctx.interaction.add(toolbar.object, {
    hover(hit) {
      toolbar.setHover(at(hit.uv));
      ctx.gate.invalidate();
    },
    hoverEnd() {
      toolbar.setHover(null);
      ctx.gate.invalidate();
    },
    select(hit) {
      const b = at(hit.uv);
      if (b) press(b);
    },
  });
  return {
    request: 0, shown: null, mine: new Set(), highlighted: new Map(), frames: new Map(), ablation: {},
    ablatedFrames: new Map(), lines, card, toolbar, seconds: { gradient: NaN, ablation: NaN },
  };
}

const _a = new Vector3();
const _uv = new Vector2();

/** World position of a channel's tile (null if the panel does not show it). */
export function tileWorld(panel: LayerPanel, channel: number, cells = channelCells(panel), out = new Vector3()): Vector3 | null {
  const k = cells.get(channel);
  if (k === undefined) return null;
  cellCentre(panel, k, _uv);
  panel.object.updateMatrixWorld();
  return panel.object.localToWorld(out.set(_uv.x - 0.5, _uv.y - 0.5, 0.003));
}

/** Frame `channels` of each layer in `highlighted` (and no others), in the flow's colour. */
function showHighlights(ctx: AppContext, view: NetworkView, p: NetworkProbe, highlighted: Map<string, number[]>): void {
  for (const [lid, f] of p.frames) if (!highlighted.has(lid)) f.show([]);
  for (const [lid, channels] of highlighted) {
    const panel = view.panels.get(lid);
    if (!panel) continue;
    if (!p.frames.has(lid)) p.frames.set(lid, createTileFrames(panel, COLORS.ok, 'flow-frames'));
    p.frames.get(lid)!.show(channels);
  }
  p.highlighted = highlighted;
  ctx.gate.invalidate();
}

/** False (with a clear message) when the selected layer is not in this client's scene: the model changed. */
function layerExists(ctx: AppContext, view: NetworkView, p: NetworkProbe, lid: string): boolean {
  if (view.panels.has(lid)) return true;
  clearShown(ctx, p);
  ctx.toast(`Layer ${lid} no longer exists in ${view.info.name} (the model changed); reload the page and select a tile again.`, 'error');
  return false;
}

function clearShown(ctx: AppContext, p: NetworkProbe): void {
  p.frames.forEach((f) => f.show([]));
  p.highlighted = new Map();
  p.lines.show([]);
  p.card.show(null);
  p.shown = null;
  ctx.gate.invalidate();
}

function showFlow(ctx: AppContext, view: NetworkView, p: NetworkProbe, r: FlowResult): void {
  if (!layerExists(ctx, view, p, r.layer)) return;
  const source = tileWorld(view.panels.get(r.layer)!, r.channel)?.clone();
  const highlighted = new Map<string, number[]>();
  const routes: FlowRoute[] = [];
  for (const layer of r.layers) {
    const panel = view.panels.get(layer.id);
    const top = layer.top.filter((t) => t.score !== 0);
    if (!panel || !top.length) continue;
    highlighted.set(layer.id, top.map((t) => t.channel));
    if (!source || view.isLayerHidden(layer.id, 'user')) continue; // a hidden layer (layer tree) gets no route either
    const cells = channelCells(panel);
    const max = Math.abs(top[0].score);
    for (const t of top.slice(0, ROUTES_PER_LAYER)) {
      const to = tileWorld(panel, t.channel, cells, _a);
      if (to) routes.push({ from: source, to: to.clone(), weight: t.score / max });
    }
  }
  showHighlights(ctx, view, p, highlighted);
  p.lines.show(routes);
  p.shown = keyOf('flow', r.layer, r.channel, r.method);
  const status = r.method === 'gradient'
    ? 'preview: gradient × activation — computing the exact flow by ablation…'
    : `exact, by ablation (${(r.seconds * 1000).toFixed(0)} ms on the server)`;
  showCard(p, view, r.layer, {
    title: `${r.layer} · channel ${r.channel} drives`, status,
    supported: r.supported.map((c) => ({ name: c.name, score: c.score })),
    suppressed: r.suppressed.map((c) => ({ name: c.name, score: c.score })),
  });
}

function showFeeders(ctx: AppContext, view: NetworkView, p: NetworkProbe, r: FeedersResult): void {
  if (!layerExists(ctx, view, p, r.layer)) return;
  const target = tileWorld(view.panels.get(r.layer)!, r.channel)?.clone();
  const highlighted = new Map<string, number[]>();
  const routes: FlowRoute[] = [];
  const max = Math.max(1e-12, ...r.top.map((t) => Math.abs(t.score)));
  for (const t of r.top) {
    const panel = view.panels.get(t.layer);
    if (!panel || t.score === 0) continue;
    highlighted.set(t.layer, [...(highlighted.get(t.layer) ?? []), t.channel]);
    const from = tileWorld(panel, t.channel);
    if (from && target && !view.isLayerHidden(t.layer, 'user')) routes.push({ from, to: target, weight: t.score / max });
  }
  showHighlights(ctx, view, p, highlighted);
  p.lines.show(routes);
  p.shown = keyOf('feeders', r.layer, r.channel, 'ablation');
  showCard(p, view, r.layer, {
    title: `what feeds ${r.layer} · channel ${r.channel}`,
    status: `exact, by ablation (${(r.seconds * 1000).toFixed(0)} ms on the server)`,
    supported: r.top.filter((t) => t.score > 0).map((t) => ({ name: `${t.layer} · ${t.channel}`, score: t.score })),
    suppressed: r.top.filter((t) => t.score < 0).map((t) => ({ name: `${t.layer} · ${t.channel}`, score: t.score })),
  });
}

/** The card floats above the selected panel, facing the same way. */
function showCard(p: NetworkProbe, view: NetworkView, lid: string, state: FlowCardState): void {
  const panel = view.panels.get(lid);
  if (panel) {
    panel.object.updateMatrixWorld();
    const top = panel.object.localToWorld(new Vector3(0, 0.5, 0));
    p.card.panel.mesh.position.set(top.x, top.y + FLOW_CARD_WORLD.height / 2 + 0.08, top.z);
    p.card.panel.mesh.quaternion.copy(panel.object.getWorldQuaternion(p.card.panel.mesh.quaternion));
  }
  p.card.show(state);
}

function showAblation(ctx: AppContext, nid: string, p: NetworkProbe, layers: Record<string, number[]>): void {
  const view = ctx.store.views.get(nid);
  if (!view) return;
  const gone = Object.keys(layers).filter((lid) => !view.panels.has(lid));
  if (gone.length) ctx.toast(`Switched-off layer(s) ${gone.join(', ')} no longer exist in ${view.info.name} (the model changed); press Shift+X to reset.`, 'error');
  p.ablation = Object.fromEntries(Object.entries(layers).map(([k, v]) => [k, [...v]]));
  for (const [lid, f] of p.ablatedFrames) if (!(lid in layers)) f.show([]);
  for (const [lid, channels] of Object.entries(layers)) {
    const panel = view.panels.get(lid);
    if (!panel) continue;
    if (!p.ablatedFrames.has(lid)) p.ablatedFrames.set(lid, createTileFrames(panel, COLORS.bad, 'ablated-frames'));
    p.ablatedFrames.get(lid)!.show(channels);
  }
  ctx.gate.invalidate();
}
