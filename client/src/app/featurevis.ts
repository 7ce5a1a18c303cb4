import type { Job } from '../api/types';
import type { NetworkView } from '../scene/network-view';
import type { AppContext } from './context';

/**
 * Start feature visualization of a layer and follow the job: progress on the layer's card, a toast when it
 * ends. (The optimisation itself and the RGB results panel are issue 6; result images are announced here.)
 */
export async function startFeatureVis(ctx: AppContext, view: NetworkView, lid: string): Promise<void> {
  const { job: id } = await ctx.api.startFeatureVis(view.info.id, lid, { channels: null, steps: null, start: 'input' });
  ctx.toast(`Feature visualization of ${lid} started`);
  view.setJob(lid, { state: 'queued', progress: 0, message: null });
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    let job: Job;
    try {
      job = await ctx.api.job(id);
    } catch (err) {
      view.setJob(lid, { state: 'failed', progress: 1, message: String(err) });
      throw err;
    }
    view.setJob(lid, { state: job.state, progress: job.progress, message: job.message });
    if (job.state === 'done') {
      const images = resultImages(job.result);
      ctx.toast(`Feature visualization of ${lid} done${images.length ? ` (${images.length} images)` : ''}`, 'ok');
      return;
    }
    if (job.state === 'failed' || job.state === 'cancelled') {
      ctx.toast(`Feature visualization of ${lid} ${job.state}: ${job.message ?? ''}`, 'error');
      return;
    }
  }
}

/** Image URLs in a job result, if it has any (`{"images": [url | {"url"}]}`). */
export function resultImages(result: unknown): string[] {
  const images = (result as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) return [];
  return images.map((i) => (typeof i === 'string' ? i : (i as { url?: string })?.url)).filter((u): u is string => !!u);
}
