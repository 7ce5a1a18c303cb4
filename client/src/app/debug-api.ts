import { Mesh, Object3D, Raycaster, Vector3 } from 'three';
import type { AppContext } from './context';
import { featureVisPanel, flyToFeatureVis, startFeatureVis } from './featurevis';
import { flyToStation } from './station-view';
import type { FeatureVisRequest } from '../api/types';
import { JOB_BAR, cardButtonPoint, cardPixelPoint } from '../scene/info-card';
import type { CardButton } from '../scene/info-card';
import type { Text } from 'troika-three-text';

const _v = new Vector3();
const CORNERS = [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]];

/** How far the first load got (the app owns and writes it; tests wait for it). */
export interface BootProgress {
  readonly sceneReady: boolean;
  readonly activationsReady: boolean;
}

/**
 * `window.__layerwalk`, the hook the browser tests and benchmarks drive the client through: it reads state (scene
 * graph, renderer stats, timings, `ctx` itself), gives screen positions of things to click, and offers the few
 * actions a test cannot do by mouse or that set the camera up (fly-to, starting feature visualization). Tests
 * use it to find where to click and what to wait for; nothing in the client reads it.
 */
export function installDebugApi(ctx: AppContext, banner: { readonly visible: boolean }, flags: BootProgress) {
  const api = {
    flags, ctx,
    get scene() {
      return ctx.world.scene;
    },
    get renderer() {
      return ctx.world.renderer;
    },
    get camera() {
      return ctx.world.camera;
    },
    get lastUpdateMs() {
      return ctx.store.metrics.lastUpdateMs;
    },
    get updates() {
      return ctx.store.metrics.updates;
    },
    get bannerVisible() {
      return banner.visible;
    },
    get pendingTasks() {
      return ctx.scheduler.pending;
    },
    get carrying() {
      return ctx.store.carry?.label ?? null;
    },
    get networks() {
      return Object.fromEntries([...ctx.store.views].map(([id, v]) => [id, {
        id, name: v.info.name, version: ctx.store.inputVersion(id), graphNodes: v.graph.nodes.map((n) => n.id),
        layers: [...v.panels.keys()], missing: v.missing, classificationText: v.station.classificationText,
        /** loading an input (until every panel shows it), and the input canvas' drop hint ('busy' during a drop) */
        refreshing: ctx.store.refreshing.has(id), dropHint: v.station.dropHint,
        /** a few decoded levels of a layer's current data, to detect texture changes */
        checksum: (lid: string) => checksum(v.panels.get(lid)?.current?.data),
      }]));
    },
    stats() {
      const info = ctx.world.renderer.info;
      let panels = 0;
      ctx.world.scene.traverse((o) => {
        if ((o as Mesh).isMesh && o.name.startsWith('layer:')) panels++;
      });
      const layers = [...ctx.store.views.values()].reduce((n, v) => n + v.graph.nodes.filter((x) => x.kind !== 'marker').length, 0);
      return {
        calls: info.render.calls, triangles: info.render.triangles, textures: info.memory.textures,
        geometries: info.memory.geometries, layers, panels, frameMs: ctx.store.metrics.frameMs, phases: { ...ctx.store.metrics.phases },
        /** in an immersive session the numbers are for both eyes (one frame, stereo) */
        presenting: ctx.world.renderer.xr.isPresenting,
      };
    },
    /** CSS pixel position of a world point / object on the canvas, and whether it is in front of the camera */
    screenOf(target: Object3D | Vector3) {
      const p = target instanceof Vector3 ? _v.copy(target) : (target.updateMatrixWorld(), target.getWorldPosition(_v));
      return project(ctx, p);
    },
    datasetItemScreen(i: number, panel = 0) {
      const dp = ctx.store.datasetPanels[panel];
      if (!dp) return null;
      const [u, v] = dp.itemUv(i);
      const mesh = dp.object as Mesh;
      const g = mesh.geometry as unknown as { parameters: { width: number; height: number } };
      _v.set((u - 0.5) * g.parameters.width, (v - 0.5) * g.parameters.height, 0);
      mesh.updateMatrixWorld();
      return project(ctx, mesh.localToWorld(_v));
    },
    stationScreen(nid: string) {
      const view = ctx.store.views.get(nid);
      if (!view) return null;
      _v.set(0, -0.3, 0);
      view.station.object.updateMatrixWorld();
      return project(ctx, view.station.object.localToWorld(_v));
    },
    flyToLayer: (name: string) => ctx.flyToLayer(name),
    /** fly to a layer and arrive at once; the camera's matrices are current when this returns */
    jumpToLayer(name: string) {
      const found = ctx.flyToLayer(name);
      ctx.locomotion.land();
      ctx.world.camera.updateMatrixWorld();
      return found;
    },
    /**
     * Screen boxes (CSS pixels) of SDF text as the camera sees it now: a layer's title lines, the classification
     * rows of a network's input canvas, a dataset panel's captions (null: hidden or not laid out yet)
     */
    textBoxes(what: 'title' | 'rows' | 'captions', id = 'n0', lid = '') {
      const box = (t: Text) => ctx.texts.screenBox(t, ctx.world.camera, ctx.world.renderer.domElement);
      if (what === 'title') {
        const title = ctx.store.views.get(id)?.cards.get(lid)?.title;
        return title ? [box(title.name), box(title.shape)] : null;
      }
      if (what === 'rows') return ctx.store.views.get(id)?.station.rowLabels.map(box) ?? null;
      return ctx.store.datasetPanels[Number(id) || 0]?.captions.filter((t) => t.text).map(box) ?? null;
    },
    get textBusy() {
      return ctx.texts.busy;
    },
    /** screen box of a layer's panel (CSS pixels), the canvas' box, and the first other thing in the way */
    panelScreenBox(lid: string, nid = 'n0') {
      const mesh = ctx.store.views.get(nid)?.panels.get(lid)?.object;
      if (!mesh) return null;
      mesh.updateMatrixWorld();
      const corners = CORNERS.map(([x, y]) => project(ctx, mesh.localToWorld(_v.set(x, y, 0))));
      const rect = ctx.world.renderer.domElement.getBoundingClientRect();
      return {
        left: Math.min(...corners.map((c) => c.x)), right: Math.max(...corners.map((c) => c.x)),
        top: Math.min(...corners.map((c) => c.y)), bottom: Math.max(...corners.map((c) => c.y)),
        inFront: corners.every((c) => c.inFront),
        viewport: { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom },
        blockedBy: inTheWay(ctx, mesh),
      };
    },
    /** the edges at a layer: their floor end points and label centres (world [x, z]), and the panel's position */
    edgesAt(lid: string, nid = 'n0') {
      const view = ctx.store.views.get(nid);
      const panel = view?.panels.get(lid);
      if (!view || !panel) return null;
      view.object.updateMatrixWorld();
      const world = ([x, z]: number[]) => {
        view.object.localToWorld(_v.set(x, 0, z));
        return [_v.x, _v.z];
      };
      const edges = view.graph.layout.edges.flatMap((e, k) => {
        if (e.from !== lid && e.to !== lid) return [];
        const [start, end] = view.edges.ends(k);
        const m = view.edgeLabels.slots[k]?.matrix.elements;
        return [{ from: e.from, to: e.to, start: world(start), end: world(end), label: m ? [m[12], m[14]] : null }];
      });
      return { panel: panel.object.getWorldPosition(_v).toArray(), edges };
    },
    /** screen position of a button on a layer's info card */
    cardButtonScreen(lid: string, button: CardButton, nid = 'n0') {
      const slot = ctx.store.views.get(nid)?.cards.get(lid)?.slot;
      return slot ? project(ctx, cardButtonPoint(slot, button, _v)) : null;
    },
    /** screen box (CSS pixels) of the progress bar on a layer's info card */
    cardJobBarScreen(lid: string, nid = 'n0') {
      const slot = ctx.store.views.get(nid)?.cards.get(lid)?.slot;
      if (!slot) return null;
      const { x, y, w, h } = JOB_BAR;
      const corners = [[x, y], [x + w, y], [x, y + h], [x + w, y + h]].map(([cx, cy]) => project(ctx, cardPixelPoint(slot, cx, cy, _v)));
      return screenBox(corners);
    },
    /** the start image and style a layer's card chose for its ✦ button */
    featureVisChoice: (lid: string, nid = 'n0') => ctx.store.views.get(nid)?.cards.get(lid)?.state.featurevis ?? null,
    /**
     * A layer's feature visualization panel: its title, its channels, how many channel numbers carry light text
     * pixels (read back from the painted texture), whether the title band has text, and its screen box.
     */
    featureVisInfo(lid: string, nid = 'n0') {
      const view = ctx.store.views.get(nid);
      const panel = view && featureVisPanel(view, lid);
      if (!panel) return null;
      const g = panel.object.geometry.parameters;
      panel.object.updateMatrixWorld();
      const corners = CORNERS.map(([x, y]) => project(ctx, panel.object.localToWorld(_v.set(x * g.width, y * g.height, 0))));
      const paint = panel.canvas.getContext('2d')!;
      const inked = (b: { x: number; y: number; w: number; h: number }) => lightPixels(paint.getImageData(b.x, b.y, b.w, b.h).data) > 4;
      const { band, canvas } = panel;
      return {
        title: panel.title, channels: panel.result.channels, style: panel.result.style, start: panel.result.start,
        labels: panel.labels.map((l) => l.channel),
        inkedLabels: panel.labels.filter((l) => inked({ x: Math.floor(l.x), y: Math.floor(l.y), w: Math.ceil(l.w), h: Math.ceil(l.h) })).length,
        titleInked: inked({ x: 0, y: 0, w: canvas.width, h: band }),
        /** hash of the images' pixels (under the title): two runs from different starts differ here */
        checksum: pixelChecksum(paint.getImageData(0, band, canvas.width, canvas.height - band).data),
        screen: { ...screenBox(corners), inFront: corners.every((c) => c.inFront) },
        viewport: ctx.world.renderer.domElement.getBoundingClientRect().toJSON() as { left: number; top: number; right: number; bottom: number },
      };
    },
    /** start feature visualization of a layer like the card button does; resolves with the result's channels */
    async startFeatureVis(lid: string, request: Partial<FeatureVisRequest> = {}, nid = 'n0') {
      const view = ctx.store.views.get(nid);
      const panel = view && (await startFeatureVis(ctx, view, lid, request));
      return panel ? panel.result.channels : null;
    },
    flyToStation: (nid = 'n0') => {
      const view = ctx.store.views.get(nid);
      if (view) flyToStation(ctx, view);
      return !!view;
    },
    flyToFeatureVis: (lid: string, nid = 'n0') => {
      const view = ctx.store.views.get(nid);
      return !!view && flyToFeatureVis(ctx, view, lid);
    },
    /** screen position of one channel's image on a layer's feature visualization panel */
    featureVisScreen(lid: string, channel: number, nid = 'n0') {
      const view = ctx.store.views.get(nid);
      const panel = view && featureVisPanel(view, lid);
      if (!panel) return null;
      const [u, v] = panel.uvOf(channel);
      const g = (panel.object.geometry as unknown as { parameters: { width: number; height: number } }).parameters;
      panel.object.updateMatrixWorld();
      return project(ctx, panel.object.localToWorld(_v.set((u - 0.5) * g.width, (v - 0.5) * g.height, 0)));
    },
  };
  (window as unknown as { __layerwalk: typeof api }).__layerwalk = api;
  return api;
}

function project(ctx: AppContext, p: Vector3) {
  const cam = ctx.world.camera;
  cam.updateMatrixWorld();
  const inFront = p.clone().applyMatrix4(cam.matrixWorldInverse).z < 0;
  p.project(cam);
  const el = ctx.world.renderer.domElement;
  const rect = el.getBoundingClientRect();
  const x = rect.left + ((p.x + 1) / 2) * rect.width;
  const y = rect.top + ((1 - p.y) / 2) * rect.height;
  return { x, y, inFront, visible: inFront && x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom };
}

/** Name of the first visible layer panel or input canvas that hides a part of the mesh from the camera, or null. */
function inTheWay(ctx: AppContext, mesh: Mesh): string | null {
  const solids: Object3D[] = [];
  ctx.world.scene.traverseVisible((o) => {
    if (o !== mesh && (o.name.startsWith('layer:') || o.name === 'input-station')) solids.push(o);
  });
  const eye = ctx.world.camera.getWorldPosition(new Vector3());
  const raycaster = new Raycaster();
  for (const [x, y] of [[0, 0], ...CORNERS.map(([cx, cy]) => [cx * 0.95, cy * 0.95])]) {
    const point = mesh.localToWorld(new Vector3(x, y, 0));
    const distance = point.distanceTo(eye);
    raycaster.set(eye, point.sub(eye).normalize());
    const hit = raycaster.intersectObjects(solids, false)[0];
    if (hit && hit.distance < distance - 1e-3) return hit.object.name;
  }
  return null;
}

function checksum(data: Uint8Array | undefined): number | null {
  if (!data) return null;
  let h = 0;
  const step = Math.max(1, Math.floor(data.length / 4096));
  for (let i = 0; i < data.length; i += step) h = (h * 31 + data[i]) >>> 0;
  return h;
}

function screenBox(points: { x: number; y: number }[]) {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return { left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys) };
}

/** pixels brighter than 200 in every channel (the white digits and title letters) */
function lightPixels(rgba: Uint8ClampedArray): number {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] > 200 && rgba[i + 1] > 200 && rgba[i + 2] > 200) n++;
  return n;
}

function pixelChecksum(rgba: Uint8ClampedArray): number {
  let h = 0;
  for (let i = 0; i < rgba.length; i += 7) h = (h * 31 + rgba[i]) >>> 0;
  return h;
}
