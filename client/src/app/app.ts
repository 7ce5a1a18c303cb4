import { Timer } from 'three';
import { ApiClient, ApiError } from '../api/client';
import { subscribeServerEvents } from '../api/server-events';
import type { DatasetInfo, NetworkInfo } from '../api/types';
import { arrangementOf } from '../graph/arrangement-choice';
import { networkOffsets } from '../graph/network-offsets';
import { createDesktopLocomotion } from '../input/desktop-locomotion';
import { DesktopPointer } from '../input/desktop-pointer';
import { InteractionManager } from '../input/interaction';
import { createCarriedItem } from '../scene/carried-item';
import { DATASET_WORLD, createDatasetPanel } from '../scene/dataset-panel';
import type { DatasetPanel } from '../scene/dataset-panel';
import { CARD_SIZE } from '../scene/info-card';
import { LABEL_SIZE } from '../scene/edge-labels';
import { createNetworkView, stationSpot } from '../scene/network-view';
import type { NetworkView } from '../scene/network-view';
import { QuadAtlas } from '../scene/quad-atlas';
import { createWorld } from '../scene/world';
import { createBanner } from '../ui/banner';
import { createFlyToSearch } from '../ui/fly-to-search';
import { showGraphNotes } from '../ui/graph-notes';
import { createHelpOverlay } from '../ui/help-overlay';
import { createMagnifier } from '../ui/magnifier';
import { createToasts } from '../ui/toast';
import { createVrMode } from '../xr/vr-mode';
import type { VrMode } from '../xr/vr-mode';
import { createTooltip } from '../ui/tooltip';
import { createWorldTooltip } from '../xr/world-tooltip';
import { enableFileDrop, makeDatasetInteractive, makeStationInteractive, putBack } from './carry-interaction';
import type { AppContext } from './context';
import { installDebugApi } from './debug-api';
import { installAttributionKeys } from './attribution';
import { installCharts } from '../charts/charts';
import { installProbeTools } from './probe-tools';
import { chartsDebug } from '../charts/charts-debug';
import { attributionDebug } from './attribution-debug';
import { examplesDebug } from './examples-debug';
import { FrameScheduler } from './frame-scheduler';
import { createAppStore } from './store';
import type { RenderPhase } from './store';
import { RenderGate } from './render-gate';
import { makeCardsInteractive, makePanelInteractive } from './layer-interaction';
import { addMethodPicker } from './method-picker';
import { addDatasetExamples } from './dataset-examples';
import { addProponentWall } from './influence';
import { influenceDebug } from './influence-debug';
import { createLayerFlight } from './layer-flight';
import { featureVisPanel, restoreFeatureVis } from './featurevis';
import type { LayerFlight } from './layer-flight';
import { loadWeightHistograms, refreshNetwork } from './network-state';
import { installOrientation } from './orientation';
import { flyToStation, placeStartCamera } from './station-view';
import { WorldText } from '../scene/world-text';
import { addOcclusionEditor, installOcclusionKeys, occlusionEditor, showSavedItem } from './occlusion-editor';
import { occlusionDebug } from './occlusion-debug';
import { addOutputLegend } from './output-legend';



/** Build the client in `container` and keep it in sync with the server. */
export function startApp(container: HTMLElement, overlay: HTMLElement): AppContext {
  const world = createWorld(container);
  const pointer = new DesktopPointer(world.camera, world.renderer.domElement);
  const interaction = new InteractionManager();
  interaction.addPointer(pointer);
  const banner = createBanner(overlay);
  const toast = createToasts(overlay);
  const ctx: AppContext = {
    api: new ApiClient(), world, pointer, interaction,
    locomotion: createDesktopLocomotion(world.camera, world.renderer.domElement),
    scheduler: new FrameScheduler(), gate: new RenderGate(),
    cardAtlas: new QuadAtlas(world.renderer, { name: 'info-cards', slotWidth: CARD_SIZE.width, slotHeight: CARD_SIZE.height }),
    labelAtlas: new QuadAtlas(world.renderer, { name: 'edge-labels', slotWidth: LABEL_SIZE.width, slotHeight: LABEL_SIZE.height }),
    texts: new WorldText('world-text', () => ctx.gate.invalidate()),
    store: createAppStore(), carried: createCarriedItem(), toast,
    tooltip: createTooltip(overlay), worldTooltip: createWorldTooltip(world.camera), magnifier: createMagnifier(overlay),
    refresh: (nid, version, t0) => refreshNetwork(ctx, nid, version, t0),
    flyToLayer: (query) => flight.flyTo(query),
    flyToLayerOf: (nid, lid) => flight.flyToLayerOf(nid, lid),
    reframeLayer: (nid, lid) => flight.reframe(nid, lid),
    reportError: (err) => {
      console.warn(err);
      toast(err instanceof ApiError ? err.message : `Error: ${err instanceof Error ? err.message : String(err)}`, 'error');
    },
  };
  world.scene.add(ctx.cardAtlas.object, ctx.labelAtlas.object, ctx.texts.object, ctx.carried.object);
  createHelpOverlay(overlay);
  const flight = createLayerFlight(ctx, (view, lid) => featureVisPanel(view, lid)?.object ?? null);
  const search = createFlyToSearch(overlay, ctx.flyToLayer);
  const orientation = installOrientation(ctx, overlay);
  // how far the first load got: boot reads it on a retry, the test hook only shows it
  const progress = { sceneReady: false, activationsReady: false };
  const debug = installDebugApi(ctx, banner, progress);
  interaction.onEmptySelect = (p) => {
    if (p === pointer && !ctx.store.carry) world.renderer.domElement.requestPointerLock?.()?.catch?.(() => {});
  };
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && ctx.store.carry) putBack(ctx);
    const first = ctx.store.views.values().next().value;
    if (e.key === 'Home' && first && !(e.target instanceof HTMLInputElement)) flyToStation(ctx, first);
  });
  document.addEventListener('pointerlockchange', () =>
    document.body.classList.toggle('lw-locked', document.pointerLockElement === world.renderer.domElement));
  enableFileDrop(ctx);
  const vr = createVrMode(ctx, overlay, orientation.visibility);
  Object.assign(debug, { vr: vr.debug, attribution: attributionDebug(ctx), examples: examplesDebug(ctx) });
  installAttributionKeys(ctx);
  installOcclusionKeys(ctx);
  Object.assign(debug, { occlusion: occlusionDebug(ctx, (p) => debug.screenOf(p)) });
  const charts = installCharts(ctx);
  Object.assign(debug, { charts: chartsDebug(ctx, charts), orientation: orientation.debug, influence: influenceDebug(ctx) });
  const probe = installProbeTools(ctx, charts);
  Object.assign(debug, { probing: probe.debug });
  startRenderLoop(ctx, vr, flight, orientation.update);

  const boot = async () => {
    // ?empty=1: the same renderer, floor and overlays without any network (the benchmark's baseline)
    const empty = new URLSearchParams(location.search).get('empty') === '1';
    const [networks, datasets] = empty ? [[], []] : await Promise.all([ctx.api.networks(), ctx.api.datasets()]);
    if (!progress.sceneReady) {
      // built once; a retry after a failed first load only reloads the activations
      const graphs = await Promise.all(networks.map((n) => ctx.api.graph(n.id, arrangementOf(location.search, n.id))));
      buildScene(ctx, networks, datasets, graphs);
      showGraphNotes(overlay, networks.map((n, i) => ({ name: n.name, notes: graphs[i].notes })));
      charts.linkViews();
      orientation.sceneBuilt();
      probe.linkViews();
      search.setNames([...ctx.store.views.values()].flatMap((v) => [...v.panels.values()].map((p) => p.node.name)));
      progress.sceneReady = true;
    }
    await Promise.all(networks.map((n) => ctx.refresh(n.id)));
    await resyncProbing(ctx);
    progress.activationsReady = true;
    networks.forEach((n) => loadWeightHistograms(ctx, n.id));
    // the server keeps each layer's latest feature visualization: a reload shows them again
    for (const view of ctx.store.views.values()) restoreFeatureVis(ctx, view).catch((err) => ctx.reportError(err));
  };
  const connect = async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        await boot();
        banner.hide();
        return;
      } catch (err) {
        if (attempt === 0 || !(err instanceof ApiError && err.status === 0)) ctx.reportError(err);
        banner.show('The layerwalk server is not answering — retrying…');
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  };
  void connect();
  subscribeServerEvents(ctx.api, {
    selection: (s) => charts.receive(s),
    input(e) {
      const view = ctx.store.views.get(e.network);
      if (view) ctx.refresh(e.network, e.version).catch((err) => ctx.reportError(err));
      probe.inputChanged(e.network);
      if (view) occlusionEditor(view)?.inputChanged(e);
    },
    probing(state) {
      probe.receive(state);
      const view = ctx.store.views.get(state.network);
      if (view) occlusionEditor(view)?.follow(state);
    },
    dataset: (saved) => void showSavedItem(ctx, saved, false).catch((err) => ctx.reportError(err)),
    connection(online) {
      if (!online) banner.show('Connection to the layerwalk server lost — reconnecting…');
      else {
        banner.hide();
        resync(ctx).then(() => resyncProbing(ctx)).catch((err) => ctx.reportError(err));
      }
    },
  });
  return ctx;
}

/** After a reconnect: reload every network whose input changed while we were away (or whose server restarted). */
async function resync(ctx: AppContext): Promise<void> {
  for (const n of await ctx.api.networks()) {
    const view = ctx.store.views.get(n.id);
    if (view && n.version !== ctx.store.inputVersion(n.id)) await ctx.refresh(n.id);
  }
}

/** The occlusion edit each network shows now (a client that opens during an edit shows its blocks). */
async function resyncProbing(ctx: AppContext): Promise<void> {
  await Promise.all([...ctx.store.views.values()].map(async (view) => {
    const editor = occlusionEditor(view);
    if (editor) editor.follow(await ctx.api.probingState(view.info.id));
  }));
}

function buildScene(ctx: AppContext, networks: NetworkInfo[], datasets: DatasetInfo[], graphs: Awaited<ReturnType<ApiClient['graph']>>[]): void {
  const offsets = networkOffsets(graphs.map((g) => ({ minX: g.layout.bounds.min[0], maxX: g.layout.bounds.max[0] })));
  const cardOwners = new Map<number, { view: NetworkView; lid: string }>();
  networks.forEach((info, i) => {
    const view = createNetworkView(info, graphs[i], offsets[i], ctx.cardAtlas, ctx.labelAtlas, ctx.texts,
      (m) => ctx.world.renderer.initTexture(m.uniforms.map.value)); // upload now, inside the frame budget
    ctx.store.addNetwork(view);
    ctx.world.scene.add(view.object);
    view.panels.forEach((panel) => makePanelInteractive(ctx, view, panel));
    view.cards.forEach((card, lid) => cardOwners.set(card.slot.index, { view, lid }));
    makeStationInteractive(ctx, view);
    addMethodPicker(ctx, view);
    addOcclusionEditor(ctx, view);
    addOutputLegend(ctx, view);
    addDatasetExamples(ctx, view);
    if (view.missing.length) ctx.toast(`${view.missing.length} layers of ${info.name} have no place in the layout`, 'error');
  });
  makeCardsInteractive(ctx, cardOwners);
  const first = ctx.store.views.values().next().value;
  if (first) placeStartCamera(ctx, first);
  const shown = new Set<string>();
  for (const view of ctx.store.views.values()) {
    const did = view.info.dataset;
    const dataset = datasets.find((d) => d.id === did);
    if (!dataset || shown.has(dataset.id)) continue;
    shown.add(dataset.id);
    addProponentWall(ctx, view, addDatasetPanel(ctx, dataset, view));
  }
}

function addDatasetPanel(ctx: AppContext, dataset: DatasetInfo, view: NetworkView): DatasetPanel {
  const panel = createDatasetPanel(ctx.api, dataset, ctx.texts, (err) => ctx.reportError(err));
  const [ox, oz] = stationSpot(view.graph);
  panel.object.position.set(view.offsetX + ox - 1.95, 0.45 + DATASET_WORLD.height / 2, oz + 0.9);
  panel.object.rotation.y = 0.55;
  ctx.world.scene.add(panel.object);
  makeDatasetInteractive(ctx, panel);
  panel.showPage(0).catch((err) => ctx.reportError(err));
  ctx.store.addDatasetPanel(panel);
  return panel;
}

function startRenderLoop(ctx: AppContext, vr: VrMode, flight: LayerFlight, orient: (presenting: boolean) => void): void {
  const timer = new Timer();
  const { renderer, scene, camera } = ctx.world;
  const ema = (phase: RenderPhase, since: number) => ctx.store.recordPhase(phase, performance.now() - since);
  renderer.setAnimationLoop((time) => {
    ctx.scheduler.startFrame();
    timer.update(time);
    const dt = Math.min(0.1, timer.getDelta());
    ctx.store.recordFrame(dt * 1000);
    let t0 = performance.now();
    if (vr.presenting) vr.update(dt);
    else ctx.locomotion.update(dt);
    flight.update(vr.presenting);
    orient(vr.presenting);
    camera.updateMatrixWorld();
    ctx.interaction.update();
    ctx.carried.update(ctx.pointer);
    ema('interaction', t0);
    const busy = vr.presenting || ctx.carried.visible || ctx.scheduler.pending > 0 || ctx.cardAtlas.busy || ctx.labelAtlas.busy || ctx.texts.busy;
    t0 = performance.now();
    ctx.scheduler.run(Math.max(10, ctx.store.metrics.frameMs * 0.5));
    ema('activations', t0);
    t0 = performance.now();
    for (const v of ctx.store.views.values()) v.update();
    ctx.store.datasetPanels.forEach((p) => p.update());
    ctx.cardAtlas.flush();
    ctx.labelAtlas.flush(64);
    ema('canvases', t0);
    if (!ctx.gate.shouldRender(camera, ctx.pointer.ray, busy)) return;
    t0 = performance.now();
    renderer.render(scene, camera);
    ema('render', t0);
  });
}
