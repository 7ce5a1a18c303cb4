import type { ActivationSet, AttributionMethod, AttributionRequest, AttributionResult } from '../api/types';
import { nextImportanceView } from '../scene/attribution-modes';
import type { PanelMode } from '../scene/attribution-modes';
import type { InfoCardState } from '../scene/info-card';
import type { NetworkView } from '../scene/network-view';
import type { AppContext } from './context';
import { followJob } from './featurevis';

/** The method of "Analyze network" (the dissertation's button), and its sanity check (a few more runs). */
export const DEFAULT_METHOD = 'gradcam';
export const DEFAULT_REQUEST: AttributionRequest = { method: DEFAULT_METHOD, targets: null, layers: null, params: {}, sanity: true };

/** What a network shows of its last analysis: the result, the selected target and the maps fetched so far. */
interface AttributionState {
  result: AttributionResult | null;
  /** the result's method in words ("Grad-CAM"), from the server's list of methods */
  label: string;
  target: number | null;
  maps: Map<number, ActivationSet>;
  overlays: Map<number, ImageBitmap | null>;
  /** the mode chosen for the whole network (output card, M key); the input overlay follows it */
  mode: PanelMode;
  /** the method the next analysis runs (the method picker beside the input canvas chooses it) */
  method: string;
  running: Promise<AttributionResult | null> | null;
}

/**
 * The model-randomisation check of a result (docs/attribution-api.md); the OpenAPI document types it as a free
 * object, so the fields the badge reads are named here.
 */
interface SanityCheck {
  passes: boolean;
  rank_correlation: number;
}

const states = new WeakMap<NetworkView, AttributionState>();

export function attributionState(view: NetworkView): AttributionState {
  let s = states.get(view);
  if (!s) {
    s = {
      result: null, label: '', target: null, maps: new Map(), overlays: new Map(), mode: 'activations',
      method: DEFAULT_METHOD, running: null,
    };
    states.set(view, s);
  }
  return s;
}

/**
 * Run an attribution method for the network's current input (default: the chosen method — Grad-CAM unless the
 * picker chose another — for the top-5 classes at every spatial layer, with the sanity check), with progress on the output card; then show it for the first target
 * (or the one already selected) and switch the panels to attribution. Resolves with the result (null if the job
 * failed or was cancelled). A second call while one runs joins it.
 */
export function analyzeNetwork(ctx: AppContext, view: NetworkView, request: Partial<AttributionRequest> = {}) {
  const s = attributionState(view);
  s.running ??= runAnalysis(ctx, view, { ...DEFAULT_REQUEST, method: s.method, ...request }).finally(() => (s.running = null));
  return s.running;
}

/**
 * The method picker's choice: later analyses use `method`, and one runs now for the classes shown (the selected
 * target stays selected). A running analysis of another method finishes first, then this one starts.
 */
export async function chooseMethod(ctx: AppContext, view: NetworkView, method: string): Promise<AttributionResult | null> {
  const s = attributionState(view);
  s.method = method;
  while (s.running) await s.running.catch(() => null);
  if (s.method !== method) return null; // another choice came in while waiting: that one runs
  return analyzeNetwork(ctx, view);
}

async function runAnalysis(ctx: AppContext, view: NetworkView, body: AttributionRequest): Promise<AttributionResult | null> {
  const lid = view.outputId;
  if (!lid) throw new Error(`${view.info.name} has no output layer to analyze`);
  const { job: id } = await ctx.api.startAttribution(view.info.id, body);
  view.setJob(lid, { state: 'queued', progress: 0, message: null });
  const job = await followJob(ctx, view, lid, id);
  if (job.state !== 'done') {
    ctx.toast(`Analysis of ${view.info.name} ${job.state}: ${job.message ?? ''}`, 'error');
    return null;
  }
  // the job names the result; its resource is the typed form of it (the same for every client that asks)
  const result = await ctx.api.attribution(view.info.id, (job.result as { key: string }).key);
  const s = attributionState(view);
  const label = (await methodsOf(ctx)).find((m) => m.name === result.method)?.label ?? result.method;
  Object.assign(s, { result, label, maps: new Map(), overlays: new Map() });
  editCard(view, lid, (card) => (card.analysis = summary(result, label)));
  const keep = result.targets.some((t) => t.index === s.target);
  await showTarget(ctx, view, keep ? s.target! : result.targets[0].index);
  if (s.mode === 'activations') setNetworkMode(ctx, view, 'attribution');
  const where = result.layers.length ? '' : ' (an input-level map only: see the input canvas)';
  ctx.toast(`${label} for ${result.targets.length} classes${where} — click a class on the input canvas to see why it was chosen`, 'ok');
  return result;
}

/** Method, targets and cost of a result, and the sanity badge, as the output card shows them. */
function summary(r: AttributionResult, label: string): NonNullable<InfoCardState['analysis']> {
  const check = r.sanity as SanityCheck | null;
  const verdict = check?.passes ? '✓ maps depend on the weights' : '✗ maps ignore the weights';
  const sanity = check
    ? { passes: check.passes, text: `${verdict} (sanity ρ ${check.rank_correlation.toFixed(2)})` }
    : { passes: null, text: 'sanity: not checked' };
  return {
    title: `${label} · ${r.targets.length} classes · ${r.layers.length} layers`,
    detail: `${r.cost.passes} pass${r.cost.passes === 1 ? '' : 'es'} · ${r.cost.seconds.toFixed(2)} s${r.cached ? ' · cached' : ''}`,
    sanity,
  };
}

/**
 * Show the attribution for one class: every panel's map and channel scores, the input overlay and the outlined
 * bar. Without a current result (or for a class it does not cover) the default analysis runs first.
 */
export async function selectTarget(ctx: AppContext, view: NetworkView, classIndex: number): Promise<void> {
  const s = attributionState(view);
  s.target = classIndex;
  ctx.store.chooseClass(view.info.id, classIndex);
  view.station.setTarget(classIndex);
  const covered = s.result && s.result.version === ctx.store.inputVersion(view.info.id) && s.result.targets.some((t) => t.index === classIndex);
  if (!covered) {
    await analyzeNetwork(ctx, view);
    return;
  }
  await showTarget(ctx, view, classIndex);
}

async function showTarget(ctx: AppContext, view: NetworkView, classIndex: number): Promise<void> {
  const s = attributionState(view);
  const result = s.result!;
  const [maps, overlay] = await Promise.all([mapsOf(ctx, view, result, classIndex), overlayOf(ctx, view, result, classIndex)]);
  if (s.result !== result) return; // a newer analysis or a new input came in meanwhile
  s.target = classIndex;
  view.station.setTarget(classIndex);
  s.overlays.set(classIndex, overlay);
  showOverlay(view, s);
  const t = result.targets.findIndex((x) => x.index === classIndex);
  const scores = new Map(result.layers.map((l) => [l.id, l.channel_scores[t]]));
  const byLayer = new Map(maps.layers.map((m) => [m.id, m]));
  await new Promise<void>((resolve) => {
    let left = view.panels.size;
    for (const [lid, panel] of view.panels) {
      ctx.scheduler.add(() => {
        const bytes = s.result === result ? panel.setAttribution(byLayer.get(lid) ?? null, scores.get(lid) ?? null) : 0;
        ctx.world.renderer.initTexture(panel.material.uniforms.attrMap.value);
        if (--left === 0) resolve();
        return bytes;
      });
    }
  });
  ctx.gate.invalidate();
}

let methods: Promise<AttributionMethod[]> | null = null;

/** The server's attribution methods (names, labels, what the literature says about their sanity), asked once. */
export function methodsOf(ctx: AppContext): Promise<AttributionMethod[]> {
  const asked = methods ?? ctx.api.attributionMethods();
  methods = asked;
  asked.catch(() => methods === asked && (methods = null)); // ask again next time
  return asked;
}

async function mapsOf(ctx: AppContext, view: NetworkView, result: AttributionResult, target: number): Promise<ActivationSet> {
  const s = attributionState(view);
  const cached = s.maps.get(target);
  if (cached) return cached;
  const maps = await ctx.api.attributionMaps(view.info.id, result.key, target);
  s.maps.set(target, maps);
  return maps;
}

async function overlayOf(ctx: AppContext, view: NetworkView, result: AttributionResult, target: number): Promise<ImageBitmap | null> {
  if (!result.input_map) return null;
  const cached = attributionState(view).overlays.get(target);
  if (cached) return cached;
  return ctx.api.image(ctx.api.attributionInputUrl(view.info.id, result.key, target), `load the input map of class ${target}`);
}

/** The input canvas shows the input-level map over the image while the network shows attribution. */
function showOverlay(view: NetworkView, s: AttributionState): void {
  const target = s.result?.targets.find((t) => t.index === s.target);
  const overlay = s.target !== null ? s.overlays.get(s.target) ?? null : null;
  if (!target || s.mode === 'activations') {
    view.station.setOverlay(null, null);
    return;
  }
  view.station.setOverlay(overlay, `why “${target.name}”? ${s.label}: red = for, blue = against`);
}

/** One panel's mode (its card's act / attr / blend); attribution without a result starts the analysis. */
export function setPanelMode(ctx: AppContext, view: NetworkView, lid: string, mode: PanelMode): void {
  view.panels.get(lid)?.setMode(mode);
  editCard(view, lid, (card) => (card.mode = mode));
  ctx.gate.invalidate();
  if (mode !== 'activations') ensureAnalysis(ctx, view);
}

/** Every panel of the network (the output card's mode buttons, the M key) and the input overlay. */
export function setNetworkMode(ctx: AppContext, view: NetworkView, mode: PanelMode): void {
  const s = attributionState(view);
  s.mode = mode;
  for (const lid of view.panels.keys()) {
    view.panels.get(lid)!.setMode(mode);
    editCard(view, lid, (card) => (card.mode = mode));
  }
  showOverlay(view, s);
  ctx.gate.invalidate();
  if (mode !== 'activations') ensureAnalysis(ctx, view);
}

function ensureAnalysis(ctx: AppContext, view: NetworkView): void {
  const s = attributionState(view);
  if (s.result?.version === ctx.store.inputVersion(view.info.id) || s.running) return;
  analyzeNetwork(ctx, view).catch((err) => ctx.reportError(err));
}

/** The card's importance button: grid → sorted by channel score → framed by it → grid. */
export function cycleImportance(ctx: AppContext, view: NetworkView, lid: string): void {
  const panel = view.panels.get(lid);
  if (!panel) return;
  panel.setImportance(nextImportanceView(panel.importance));
  editCard(view, lid, (card) => (card.importance = panel.importance));
  ctx.gate.invalidate();
}

/** A new input (`version`) makes the result stale: panels, overlay and output card go back to what the input shows. */
export function dropStaleAttribution(view: NetworkView, version: number): void {
  const s = states.get(view);
  if (!s?.result || s.result.version === version) return;
  Object.assign(s, { result: null, target: null, maps: new Map(), overlays: new Map() });
  view.panels.forEach((p) => p.setAttribution(null, null));
  view.station.setTarget(null);
  showOverlay(view, s);
  if (view.outputId) editCard(view, view.outputId, (card) => (card.analysis = null));
}

/** M cycles what every network shows: activations → attribution → blend. */
export function installAttributionKeys(ctx: AppContext): void {
  const order: PanelMode[] = ['activations', 'attribution', 'blend'];
  window.addEventListener('keydown', (e) => {
    if (e.key.toLowerCase() !== 'm' || e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey) return;
    for (const view of ctx.store.views.values()) {
      const mode = order[(order.indexOf(attributionState(view).mode) + 1) % order.length];
      setNetworkMode(ctx, view, mode);
    }
  });
}

function editCard(view: NetworkView, lid: string, edit: (card: InfoCardState) => void): void {
  const card = view.cards.get(lid);
  if (!card) return;
  edit(card.state);
  view.repaintCard(lid);
}
