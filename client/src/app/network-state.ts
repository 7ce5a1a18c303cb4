import type { AppContext } from './context';

const loads = new Map<string, number>();

/**
 * Bring one network up to date with the server: classification and input image at once, then every layer's
 * atlas progressively through the frame scheduler. A newer refresh of the same network cancels the rest of an
 * older one. Resolves when all panels are updated.
 */
export async function refreshNetwork(ctx: AppContext, nid: string, t0 = performance.now()): Promise<void> {
  const view = ctx.views.get(nid);
  if (!view) return;
  const token = (loads.get(nid) ?? 0) + 1;
  loads.set(nid, token);
  const [set, classification] = await Promise.all([ctx.api.activations(nid), ctx.api.classification(nid, 5)]);
  if (loads.get(nid) !== token) return;
  view.version = set.version;
  view.setClassification(classification.predictions);
  view.station.setImage(ctx.api.inputImageUrl(nid, set.version)).catch((err) => ctx.reportError(err));
  await new Promise<void>((resolve) => {
    let left = set.layers.length;
    if (left === 0) resolve();
    for (const layer of set.layers) {
      ctx.scheduler.add(() => {
        if (loads.get(nid) !== token) {
          if (--left === 0) resolve();
          return 0;
        }
        const bytes = view.applyLayer(layer);
        if (--left === 0) resolve();
        return bytes;
      });
    }
  });
  if (loads.get(nid) !== token) return;
  // the textures of the last chunk are uploaded by the next render: count it
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  ctx.metrics.lastUpdateMs = performance.now() - t0;
  ctx.metrics.updates++;
}

/** Fetch weight histograms for the layers that have weights, a few at a time (they never change). */
export async function loadWeightHistograms(ctx: AppContext, nid: string, concurrency = 4): Promise<void> {
  const view = ctx.views.get(nid);
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
