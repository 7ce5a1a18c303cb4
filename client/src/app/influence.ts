import type { components } from '../api/schema';
import { followJobEvents } from '../api/server-events';
import type { Job } from '../api/types';
import type { DatasetPanel } from '../scene/dataset-panel';
import type { NetworkView } from '../scene/network-view';
import { WALL_WORLD, createProponentWall } from '../scene/proponent-wall';
import type { ProponentWall, WallEntry, WallTarget } from '../scene/proponent-wall';
import { pickUp } from './carry-interaction';
import type { AppContext } from './context';

type InfluenceJobResult = components['schemas']['InfluenceJobResult'];
type InfluenceItem = components['schemas']['InfluenceItem'];

/** Proponents and opponents on the wall, each. */
export const WALL_SIZE = 8;

/** A network's proponent wall and the influence job behind it. */
export interface InfluenceState {
  readonly wall: ProponentWall;
  readonly view: NetworkView;
  readonly dataset: DatasetPanel;
  /** once asked for, the wall follows the input: a new input starts a new job when the running one ends */
  following: boolean;
  running: boolean;
  /** the id of the last job started */
  job: string | null;
  /** the last finished job's result (the input version it explains is in it) */
  result: InfluenceJobResult | null;
}

const states = new Map<string, InfluenceState>();

export function influenceState(nid: string): InfluenceState | undefined {
  return states.get(nid);
}

/**
 * Stand the proponent wall beside the network's dataset panel: its button starts the server's influence job
 * (EK-FAC over the dataset's first images) for the current input, and the wall then shows the 8 training images
 * that helped the decision most and the 8 that pulled against it. Any of them can be picked up and dropped on the
 * input like a dataset item; after a new input the wall recomputes by itself.
 */
export function addProponentWall(ctx: AppContext, view: NetworkView, dataset: DatasetPanel): InfluenceState {
  const wall = createProponentWall();
  const p = dataset.object;
  // one panel width to the left of the dataset panel, turned like it
  const angle = p.rotation.y;
  wall.object.position.set(p.position.x - 1.7 * Math.cos(angle), 0.45 + WALL_WORLD.height / 2, p.position.z + 1.7 * Math.sin(angle));
  wall.object.rotation.y = angle;
  ctx.world.scene.add(wall.object);
  const s: InfluenceState = { wall, view, dataset, following: false, running: false, job: null, result: null };
  states.set(view.info.id, s);
  const targetOf = (uv: { x: number; y: number } | undefined | null): WallTarget => (uv ? wall.targetAt(uv.x, uv.y) : null);
  ctx.interaction.add(wall.object, {
    hover(hit) {
      wall.setHover(targetOf(hit.uv));
      ctx.gate.invalidate();
    },
    hoverEnd() {
      wall.setHover(null);
      ctx.gate.invalidate();
    },
    select(hit) {
      const t = targetOf(hit.uv);
      if (t?.kind === 'run') runInfluence(ctx, s).catch((err) => ctx.reportError(err));
      else if (t?.kind === 'entry') {
        const e = t.entry;
        pickUp(ctx, { source: { source: 'dataset', dataset: dataset.dataset.id, index: e.index }, label: `image ${e.index}` }, e.bitmap);
      }
    },
  });
  // repainted, and the input followed, right before the wall is drawn: no per-frame hook needed
  wall.object.onBeforeRender = () => {
    wall.update();
    if (s.following && !s.running && s.result && s.result.version !== ctx.store.inputVersion(view.info.id) &&
      ctx.store.inputVersion(view.info.id) >= 0) {
      runInfluence(ctx, s).catch((err) => ctx.reportError(err));
    }
  };
  return s;
}

/** Start the influence job for the network's current input, follow its progress on the wall, then show it. */
export async function runInfluence(ctx: AppContext, s: InfluenceState): Promise<InfluenceJobResult | null> {
  if (s.running) return null;
  s.running = true;
  s.following = true;
  const nid = s.view.info.id;
  try {
    // the last layer only: its EK-FAC factors are small, so the wall answers in seconds (the CLI and the HTTP API
    // also score every layer)
    const { job: id } = await ctx.api.startInfluence(nid, {
      dataset: s.dataset.dataset.id, layers: 'last', top: WALL_SIZE, layer_top: 3, self_influence: false,
    });
    s.job = id;
    s.wall.setStatus('influence job queued…');
    ctx.gate.invalidate();
    const job = await followJobEvents(ctx.api, id, (j) => {
      s.wall.setStatus(`${j.message ?? j.state} · ${Math.round(100 * j.progress)} %`);
      ctx.gate.invalidate();
    });
    const result = influenceResult(job);
    if (!result) {
      s.wall.setStatus(`influence job ${job.state}: ${job.message ?? ''}`);
      return null;
    }
    await show(ctx, s, result);
    return result;
  } finally {
    s.running = false;
    ctx.gate.invalidate();
  }
}

function influenceResult(job: Job): InfluenceJobResult | null {
  const result = job.result;
  if (job.state !== 'done' || job.kind !== 'influence' || !result || !('proponents' in result)) return null;
  return result as InfluenceJobResult;
}

async function show(ctx: AppContext, s: InfluenceState, result: InfluenceJobResult): Promise<void> {
  s.result = result;
  const entry = (kind: WallEntry['kind']) => (r: InfluenceItem): WallEntry => ({ index: r.index, score: r.score, className: r.class_name, kind, bitmap: null });
  const entries = [...result.proponents.map(entry('proponent')), ...result.opponents.map(entry('opponent'))];
  s.wall.show(`Proponents and opponents of input v${result.version} (${result.method}, ${result.train_size} training images)`, entries);
  s.wall.setStatus(`click an image to pick it up, then drop it on the input${result.cached ? ' · from the cache' : ''}`);
  ctx.interaction.invalidate();
  const urls = [...result.proponents, ...result.opponents].map((r) => r.image);
  await Promise.all(entries.map(async (e, i) => {
    e.bitmap = await ctx.api.image(ctx.api.resolve(urls[i]), `load training image ${e.index}`);
    s.wall.repaint();
    ctx.gate.invalidate();
  }));
}
