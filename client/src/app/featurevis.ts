import { Vector3 } from 'three';
import { followJobEvents } from '../api/server-events';
import type { FeatureVisRequest, FeatureVisResult, Job } from '../api/types';
import { createFeatureVisPanel } from '../scene/featurevis-panel';
import type { FeatureVisPanel } from '../scene/featurevis-panel';
import type { NetworkView } from '../scene/network-view';
import { pickUp } from './carry-interaction';
import type { AppContext } from './context';

/** Channels the card button asks for: all of them up to this many, else the first ones. */
export const MAX_BUTTON_CHANNELS = 64;
const _at = new Vector3();
const _eye = new Vector3();
const panels = new WeakMap<NetworkView, Map<string, FeatureVisPanel>>();

/**
 * Start feature visualization of a layer and follow the job (progress bar on the layer's card), then show the
 * results as an RGB panel beside the layer. Resolves with the panel (null if the job failed or was cancelled).
 */
export async function startFeatureVis(
  ctx: AppContext, view: NetworkView, lid: string, request?: Partial<FeatureVisRequest>,
): Promise<FeatureVisPanel | null> {
  const node = view.panels.get(lid)?.node;
  const count = node?.shape[0] ?? 1;
  const channels = count <= MAX_BUTTON_CHANNELS ? null : Array.from({ length: MAX_BUTTON_CHANNELS }, (_, i) => i);
  const body: FeatureVisRequest = { channels, steps: null, start: 'input', ...request };
  const { job: id } = await ctx.api.startFeatureVis(view.info.id, lid, body);
  const what = body.channels ? `${body.channels.length} of ${count} channels` : `${count} channels`;
  ctx.toast(`Feature visualization of ${node?.name ?? lid} started (${what})`);
  view.setJob(lid, { state: 'queued', progress: 0, message: null });
  const job = await followJob(ctx, view, lid, id);
  if (job.state !== 'done') {
    ctx.toast(`Feature visualization of ${lid} ${job.state}: ${job.message ?? ''}`, 'error');
    return null;
  }
  const panel = await showResult(ctx, view, featureVisResult(job));
  ctx.toast(`Feature visualization of ${node?.name ?? lid} done — pick up an image and drop it on the input`, 'ok');
  return panel;
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

/** Load the result atlas and stand it beside the layer's panel (replacing an earlier result of that layer). */
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
  const mesh = layer?.object;
  const height = Math.min(2.4, Math.max(1.0, mesh?.scale.y ?? 1));
  const panel = createFeatureVisPanel(result, image, height);
  const width = height * (image.width / image.height);
  if (mesh) panel.object.position.set(mesh.position.x + mesh.scale.x / 2 + 0.15 + width / 2, Math.max(height / 2 + 0.05, mesh.position.y), mesh.position.z);
  view.object.add(panel.object);
  ctx.world.renderer.initTexture(panel.texture);
  byLayer.set(result.layer, panel);
  makeResultInteractive(ctx, panel);
  ctx.interaction.invalidate();
  return panel;
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
