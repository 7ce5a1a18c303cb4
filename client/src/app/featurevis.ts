import { Box3, Vector3 } from 'three';
import type { Object3D } from 'three';
import { followJobEvents } from '../api/server-events';
import type { FeatureVisRequest, FeatureVisResult, Job } from '../api/types';
import { createFeatureVisPanel } from '../scene/featurevis-panel';
import type { FeatureVisPanel } from '../scene/featurevis-panel';
import { FEATUREVIS_STARTS, FEATUREVIS_STYLES } from '../scene/info-card';
import type { LayerPanel } from '../scene/layer-panel';
import type { NetworkView } from '../scene/network-view';
import { pickUp } from './carry-interaction';
import type { AppContext } from './context';
import { layerViewpoint } from './layer-flight';

/** Channels the card button asks for: all of them up to this many, else the first ones. */
export const MAX_BUTTON_CHANNELS = 64;
/** metres between a layer's panel and its results */
const GAP = 0.15;
const _at = new Vector3();
const _box = new Box3();
const _eye = new Vector3();
const panels = new WeakMap<NetworkView, Map<string, FeatureVisPanel>>();

/**
 * Start feature visualization of a layer with the start image and style chosen on its card (`request` overrides
 * them) and follow the job (progress bar on the layer's card), then show the results as an RGB panel beside the
 * layer. Resolves with the panel (null if the job failed or was cancelled).
 */
export async function startFeatureVis(
  ctx: AppContext, view: NetworkView, lid: string, request?: Partial<FeatureVisRequest>,
): Promise<FeatureVisPanel | null> {
  const node = view.panels.get(lid)?.node;
  const count = node?.shape[0] ?? 1;
  const channels = count <= MAX_BUTTON_CHANNELS ? null : Array.from({ length: MAX_BUTTON_CHANNELS }, (_, i) => i);
  const choice = view.cards.get(lid)?.state.featurevis ?? { start: 'noise', style: 'paper' };
  const body: FeatureVisRequest = { channels, steps: null, ...choice, ...request };
  const { job: id } = await ctx.api.startFeatureVis(view.info.id, lid, body);
  const what = body.channels ? `${body.channels.length} of ${count} channels` : `${count} channels`;
  ctx.toast(`Feature visualization of ${node?.name ?? lid} started (${what}, ${body.style ?? 'paper'})`);
  view.setJob(lid, { state: 'queued', progress: 0, message: null });
  const job = await followJob(ctx, view, lid, id);
  if (job.state !== 'done') {
    ctx.toast(`Feature visualization of ${node?.name ?? lid} ${job.state}: ${job.message ?? ''}`, 'error');
    return null;
  }
  const panel = await showResult(ctx, view, featureVisResult(job));
  ctx.reframeLayer(view.info.id, lid);
  ctx.toast(`Feature visualization of ${node?.name ?? lid} done — pick up an image and drop it on the input`, 'ok');
  return panel;
}

/** Cycle the start image (noise → input) or the style (paper → lucid → convviz) of a card's ✦ button. */
export function cycleFeatureVisChoice(view: NetworkView, lid: string, what: 'start' | 'style'): void {
  const choice = view.cards.get(lid)?.state.featurevis;
  if (!choice) return;
  const next = <T>(all: readonly T[], now: T) => all[(all.indexOf(now) + 1) % all.length];
  if (what === 'start') view.setFeatureVisChoice(lid, { start: next(FEATUREVIS_STARTS, choice.start) });
  else view.setFeatureVisChoice(lid, { style: next(FEATUREVIS_STYLES, choice.style) });
}

/** Show the results the server kept for this network (after a reload), each beside its layer. */
export async function restoreFeatureVis(ctx: AppContext, view: NetworkView): Promise<void> {
  const results = await ctx.api.featureVisResults(view.info.id);
  await Promise.all(results.filter((r) => view.panels.has(r.layer)).map((r) => showResult(ctx, view, r)));
}

/** Follow a job over its event stream until it ends, showing its progress on the card of layer `lid`. */
export async function followJob(ctx: AppContext, view: NetworkView, lid: string, id: string): Promise<Job> {
  try {
    return await followJobEvents(ctx.api, id, (job) =>
      view.setJob(lid, { state: job.state, progress: job.progress, message: job.message }));
  } catch (err) {
    view.setJob(lid, { state: 'failed', progress: 1, message: String(err) });
    throw err;
  }
}

/** The result of a finished feature visualization job (the job's result is typed as any kind's result). */
function featureVisResult(job: Job): FeatureVisResult {
  const result = job.result;
  if (job.kind !== 'featurevis' || !result || !('atlas' in result) || typeof result.atlas !== 'string') {
    throw new Error(`job ${job.id} (${job.kind}) did not return a feature visualization`);
  }
  return result as FeatureVisResult;
}

/**
 * Load the result atlas and stand it beside the layer's panel, turned towards the layer's fly-to spot (where the
 * camera comes from), replacing an earlier result of that layer.
 */
export async function showResult(ctx: AppContext, view: NetworkView, result: FeatureVisResult): Promise<FeatureVisPanel> {
  const layer = view.panels.get(result.layer);
  const image = await ctx.api.imageElement(ctx.api.resolve(result.atlas), `load the feature visualization of ${result.layer}`);
  const byLayer = panels.get(view) ?? new Map<string, FeatureVisPanel>();
  panels.set(view, byLayer);
  const old = byLayer.get(result.layer);
  if (old) {
    ctx.interaction.remove(old.object);
    old.object.removeFromParent();
    old.dispose();
  }
  const height = Math.min(2.4, Math.max(1.0, layer?.object.scale.y ?? 1));
  const panel = createFeatureVisPanel(result, image, height, layer?.node.name ?? result.layer);
  view.object.add(panel.object);
  if (layer) placeBeside(ctx, view, layer, panel);
  ctx.world.renderer.initTexture(panel.texture);
  byLayer.set(result.layer, panel);
  makeResultInteractive(ctx, panel);
  ctx.interaction.invalidate();
  return panel;
}

/**
 * Beside the layer's panel, on the first side (right, left, above) where it stands clear of the other panels,
 * level with the layer and turned to face the layer's fly-to spot.
 */
function placeBeside(ctx: AppContext, view: NetworkView, layer: LayerPanel, panel: FeatureVisPanel): void {
  const mesh = layer.object;
  const { width, height } = panel.object.geometry.parameters;
  const sideX = mesh.scale.x / 2 + GAP + width / 2;
  const y = Math.max(height / 2 + 0.05, mesh.position.y);
  const spots: [number, number][] = [[sideX, y], [-sideX, y], [0, mesh.position.y + mesh.scale.y / 2 + GAP + height / 2]];
  const others = [...view.panels.values()].filter((p) => p !== layer).map((p) => _box.setFromObject(p.object).clone());
  view.object.updateMatrixWorld();
  const { eye } = layerViewpoint(view, layer, ctx.world.camera.fov, ctx.world.camera.aspect);
  const clear = spots.find(([dx, sy]) => {
    stand(view, mesh, panel, dx, sy, eye);
    _box.setFromObject(panel.object).expandByScalar(0.05);
    return !others.some((b) => b.intersectsBox(_box));
  });
  if (!clear) stand(view, mesh, panel, spots[0][0], spots[0][1], eye);
}

/** Put the panel `dx` along the layer's own x axis at height `y`, turned about the vertical to face `eye`. */
function stand(view: NetworkView, mesh: Object3D, panel: FeatureVisPanel, dx: number, y: number, eye: Vector3): void {
  _at.set(dx, 0, 0).applyQuaternion(mesh.quaternion).add(mesh.position).setY(y);
  panel.object.position.copy(_at);
  _eye.copy(eye);
  view.object.worldToLocal(_eye);
  panel.object.rotation.set(0, Math.atan2(_eye.x - _at.x, _eye.z - _at.z), 0);
  panel.object.updateMatrixWorld();
}

/** Hover names the channel; click picks its image up, to be dropped on an input canvas like a dataset image. */
function makeResultInteractive(ctx: AppContext, panel: FeatureVisPanel): void {
  const channelOf = (uv: { x: number; y: number } | null) => (uv ? panel.channelAt(uv.x, uv.y) : null);
  ctx.interaction.add(panel.object, {
    hover(hit) {
      const c = channelOf(hit.uv);
      const at = hit.pointer.screenPosition();
      if (at && c !== null) ctx.tooltip.show(at.x, at.y, [`feature visualization · ${panel.result.layer}`, `channel ${c}`, 'click: pick up']);
      else ctx.tooltip.hide();
    },
    hoverEnd: () => ctx.tooltip.hide(),
    select(hit) {
      const c = channelOf(hit.uv);
      if (c === null) return;
      const label = `${panel.result.layer} #${c}`;
      pickUp(ctx, { source: { source: 'featurevis', layer: panel.result.layer, channel: c }, label }, panel.imageOf(c));
    },
  });
}

/** The feature visualization panel of a layer, if one is shown. */
export function featureVisPanel(view: NetworkView, lid: string): FeatureVisPanel | null {
  return panels.get(view)?.get(lid) ?? null;
}

/** Fly the camera in front of a layer's feature visualization panel so that all of it is in view. */
export function flyToFeatureVis(ctx: AppContext, view: NetworkView, lid: string): boolean {
  const panel = featureVisPanel(view, lid);
  if (!panel) return false;
  const g = panel.object.geometry.parameters;
  const cam = ctx.world.camera;
  const tanHalf = Math.tan(((cam.fov / 2) * Math.PI) / 180);
  const back = 1.15 * Math.max(g.height / (2 * tanHalf), g.width / (2 * tanHalf * cam.aspect));
  panel.object.getWorldPosition(_at);
  ctx.locomotion.flyTo(_eye.set(_at.x, _at.y, _at.z + back), _at);
  return true;
}
