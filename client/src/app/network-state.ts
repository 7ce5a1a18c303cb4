import { dropStaleAttribution } from './attribution';
import type { LayerActivation } from '../api/types';
import type { NetworkView } from '../scene/network-view';
import type { AppContext } from './context';

/** A network's load in flight: the input version it brings (at least), and when that input was given. */
interface Load {
  version: number;
  t0: number;
  done: Promise<void>;
}

const loads = new Map<string, Load>();

/**
 * Bring one network up to input `version` (undefined: whatever the server has now): classification and input
 * image at once, then every layer's atlas progressively through the frame scheduler. The input event and the
 * POST answer both announce a new version; only the first fetches, the second waits for the same load (and an
 * earlier `t0`, the drop, is what the update time is measured from). A newer load of the same network cancels
 * the rest of an older one, whose callers then wait for the newer. Resolves when all panels are updated.
 */
export function refreshNetwork(ctx: AppContext, nid: string, version?: number, t0 = performance.now()): Promise<void> {
  const view = ctx.store.views.get(nid);
  if (!view) return Promise.resolve();
  const current = loads.get(nid);
  if (version !== undefined && current && current.version >= version) {
    current.t0 = Math.min(current.t0, t0);
    return current.done;
  }
  if (version !== undefined && !current && ctx.store.inputVersion(nid) >= version) return Promise.resolve();
  const load: Load = { version: version ?? -Infinity, t0, done: Promise.resolve() };
  loads.set(nid, load);
  ctx.store.setRefreshing(nid, true);
  load.done = loadNetwork(ctx, view, load).finally(() => {
    if (loads.get(nid) !== load) return;
    loads.delete(nid);
    ctx.store.setRefreshing(nid, false);
  });
  return load.done;
}

async function loadNetwork(ctx: AppContext, view: NetworkView, load: Load): Promise<void> {
  const nid = view.info.id;
  const superseded = () => loads.get(nid) !== load;
  const [set, classification] = await Promise.all([ctx.api.activations(nid), ctx.api.classification(nid, 5)]);
  if (superseded()) return loads.get(nid)?.done;
  load.version = Math.max(load.version, set.version);
  ctx.store.showInput(nid, set.version);
  dropStaleAttribution(view, set.version);
  view.setClassification(classification.predictions);
  ctx.api.image(ctx.api.inputImageUrl(nid, set.version), `load the input image of ${view.info.name}`)
    .then((image) => view.station.setImage(image), (err) => ctx.reportError(err));
  await applyLayers(ctx, view, set.layers, superseded);
  if (superseded()) return loads.get(nid)?.done;
  // the textures of the last chunk are uploaded by the next render: count it
  await ctx.scheduler.frames(2);
  ctx.store.recordUpdate(performance.now() - load.t0);
}

/** Upload the layers' atlases a few per frame (within the scheduler's budget); stops early once `cancelled`. */
function applyLayers(ctx: AppContext, view: NetworkView, layers: LayerActivation[], cancelled: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    let left = layers.length;
    if (left === 0) resolve();
    for (const layer of layers) {
      ctx.scheduler.add(() => {
        const bytes = cancelled() ? 0 : view.applyLayer(layer);
        if (--left === 0) resolve();
        return bytes;
      });
    }
  });
}

/** Fetch weight histograms for the layers that have weights, a few at a time (they never change). */
export async function loadWeightHistograms(ctx: AppContext, nid: string, concurrency = 4): Promise<void> {
  const view = ctx.store.views.get(nid);
  if (!view) return;
  const queue = view.graph.nodes.filter((n) => n.has_weights && view.panels.has(n.id)).map((n) => n.id);
  const worker = async () => {
    for (let lid = queue.shift(); lid !== undefined; lid = queue.shift()) {
      try {
        view.setWeights(lid, (await ctx.api.histograms(nid, lid)).weights);
      } catch (err) {
        view.setWeights(lid, null);
        ctx.reportError(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
