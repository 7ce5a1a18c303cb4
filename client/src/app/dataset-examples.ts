import { LinearMipmapLinearFilter, Texture, Vector2 } from 'three';
import type { Material, ShaderMaterial } from 'three';
import type { components } from '../api/schema';
import type { PointerHit } from '../input/interaction';
import { createExamplesFan, FAN_WORLD } from '../scene/examples-fan';
import type { ExamplesFan, FanExample } from '../scene/examples-fan';
import { createExamplesMaterial, setCellChannels } from '../scene/examples-material';
import type { LayerPanel } from '../scene/layer-panel';
import type { NetworkView } from '../scene/network-view';
import { pickUp } from './carry-interaction';
import type { AppContext } from './context';

type PrecomputedInfo = components['schemas']['PrecomputedInfo'];
type TopKRow = components['schemas']['TopKRow'];

/** How many examples fan out beside a panel, and how many the dataset panel lists for a selected channel. */
export const FAN_SIZE = 9;
const RANKING_SIZE = 24;

/** A network's dataset examples (issue 22): its precomputed run, the panels showing crops, the fan-out. */
interface ExamplesState {
  run: Promise<PrecomputedInfo> | null;
  /** per panel in examples mode: its crop material (kept when switched off, the crops do not change) */
  materials: Map<string, ShaderMaterial>;
  shown: Set<string>;
  fan: ExamplesFan;
  /** which channel the fan shows */
  fanOf: { lid: string; channel: number } | null;
  /** a click pinned the fan: hovering other tiles (on the way to the fan) leaves it as it is */
  pinned: boolean;
  topk: Map<string, Promise<TopKRow[]>>;
  /** the channel picked on a panel: the dataset panel lists its most activating images */
  selected: { lid: string; channel: number } | null;
  /** the dataset spec the run was made on, once known */
  spec: string | null;
}

const states = new WeakMap<NetworkView, ExamplesState>();

export function examplesState(view: NetworkView): ExamplesState | undefined {
  return states.get(view);
}

/**
 * Give every panel of the network the "dataset examples" mode (its card's ▦ button): the panel's hover and click
 * keep doing what they did and, in that mode, also fan out the hovered channel's top-9 and list the clicked
 * channel's most activating images in the dataset panel. The fan-out's images can be picked up like the dataset
 * panel's. Call after the panels are interactive.
 */
export function addDatasetExamples(ctx: AppContext, view: NetworkView): void {
  const fan = createExamplesFan();
  fan.object.onBeforeRender = () => fan.update(); // repainted right before it is drawn: no per-frame hook needed
  view.object.add(fan.object);
  const s: ExamplesState = { run: null, materials: new Map(), shown: new Set(), fan, fanOf: null, pinned: false, topk: new Map(), selected: null, spec: null };
  states.set(view, s);
  for (const panel of view.panels.values()) decoratePanel(ctx, view, panel, s);
  const at = (hit: PointerHit) => (hit.uv ? fan.exampleAt(hit.uv.x, hit.uv.y) : null);
  ctx.interaction.add(fan.object, {
    hover(hit) {
      const e = at(hit);
      fan.setHover(e ? fan.examples.indexOf(e) : null);
      ctx.gate.invalidate();
    },
    hoverEnd() {
      fan.setHover(null);
      ctx.gate.invalidate();
    },
    select(hit) {
      const e = at(hit);
      const did = e && datasetOf(ctx, view);
      if (e && did) pickUp(ctx, { source: { source: 'dataset', dataset: did, index: e.image }, label: `image ${e.image}` }, e.bitmap);
    },
  });
}

function decoratePanel(ctx: AppContext, view: NetworkView, panel: LayerPanel, s: ExamplesState): void {
  const mesh = panel.object;
  const base = mesh.userData.interactive as Parameters<AppContext['interaction']['add']>[1];
  const channelAt = (hit: PointerHit) => (hit.uv ? panel.hitAt(hit.uv)?.channel ?? null : null);
  ctx.interaction.remove(mesh);
  ctx.interaction.add(mesh, {
    ...base,
    hover(hit) {
      base.hover?.(hit);
      const channel = s.shown.has(panel.node.id) && !s.pinned ? channelAt(hit) : null;
      if (channel !== null) fanOut(ctx, view, panel, channel).catch((err) => ctx.reportError(err));
    },
    select(hit) {
      const channel = s.shown.has(panel.node.id) ? channelAt(hit) : null;
      if (channel === null) {
        base.select?.(hit);
        return;
      }
      s.pinned = true;
      fanOut(ctx, view, panel, channel).catch((err) => ctx.reportError(err));
      rankDataset(ctx, view, panel.node.id, channel).catch((err) => ctx.reportError(err));
    },
  });
}

/** The card's ▦ button: the panel shows its channels' top dataset crops, or its activations again. */
export async function toggleExamples(ctx: AppContext, view: NetworkView, lid: string): Promise<boolean> {
  const s = states.get(view);
  const panel = view.panels.get(lid);
  if (!s || !panel) return false;
  if (s.shown.has(lid)) {
    showMaterial(ctx, view, panel, panel.material, false);
    s.shown.delete(lid);
    if (s.fanOf?.lid === lid) hideFan(s);
    return false;
  }
  const material = s.materials.get(lid) ?? (await loadCrops(ctx, view, panel, s));
  s.materials.set(lid, material);
  s.shown.add(lid);
  showMaterial(ctx, view, panel, material, true);
  ctx.toast(`${panel.node.name}: each channel shows its most activating dataset crop — hover one for its top ${FAN_SIZE}`, 'ok');
  return true;
}

function showMaterial(ctx: AppContext, view: NetworkView, panel: LayerPanel, material: Material, examples: boolean): void {
  panel.object.material = material;
  const card = view.cards.get(panel.node.id);
  if (card) {
    card.state.examples = examples;
    view.repaintCard(panel.node.id);
  }
  ctx.gate.invalidate();
}

function precomputedOf(ctx: AppContext, view: NetworkView, s: ExamplesState): Promise<PrecomputedInfo> {
  const asked = s.run ?? ctx.api.precomputed(view.info.id);
  s.run = asked;
  asked.catch(() => s.run === asked && (s.run = null)); // a server restarted with --precomputed: ask again
  return asked;
}

async function loadCrops(ctx: AppContext, view: NetworkView, panel: LayerPanel, s: ExamplesState): Promise<ShaderMaterial> {
  const lid = panel.node.id;
  const run = await precomputedOf(ctx, view, s);
  s.spec = typeof run.dataset.spec === 'string' ? run.dataset.spec : null;
  if (!run.layers.includes(lid)) {
    throw new Error(`${panel.node.name} was not precomputed (the run has ${run.layers.length} layers); ` +
      `rerun layerwalk precompute without --layers or with this layer`);
  }
  const image = await ctx.api.imageElement(ctx.api.layerTopKAtlasUrl(view.info.id, lid), `load the dataset examples of ${lid}`);
  const crops = new Texture(image);
  crops.minFilter = LinearMipmapLinearFilter;
  crops.needsUpdate = true;
  const material = createExamplesMaterial(crops, [panel.atlas.cols, panel.atlas.rows], panel.atlas);
  // the cells follow the panel's channel order (importance sorting), refreshed when it changes
  let arranged: unknown[] = [];
  material.onBeforeRender = () => {
    const now = [panel.importance, panel.attribution];
    if (now.every((v, i) => v === arranged[i])) return;
    arranged = now;
    setCellChannels(material, panel.atlas.cols * panel.atlas.rows, (k) => cellChannel(panel, k));
  };
  ctx.world.renderer.initTexture(crops);
  return material;
}

const _uv = new Vector2();

/** The channel the panel shows in grid cell k (null: an empty cell). */
function cellChannel(panel: LayerPanel, k: number): number | null {
  const a = panel.atlas;
  const col = k % a.cols;
  const row = Math.floor(k / a.cols);
  _uv.set((col * a.pitchX + a.cellW / 2) / a.width, 1 - (row * a.pitchY + a.cellH / 2) / a.height);
  return panel.hitAt(_uv)?.channel ?? null;
}

function topkOf(ctx: AppContext, view: NetworkView, s: ExamplesState, lid: string, channel: number, limit: number): Promise<TopKRow[]> {
  const key = `${lid}:${channel}:${limit}`;
  let rows = s.topk.get(key);
  if (!rows) {
    rows = ctx.api.layerTopK(view.info.id, lid, channel, limit).then((r) => r.rows);
    rows.catch(() => s.topk.delete(key));
    s.topk.set(key, rows);
  }
  return rows;
}

/** Fan the channel's top-9 out beside its panel, with values and where in each image the unit fired most. */
async function fanOut(ctx: AppContext, view: NetworkView, panel: LayerPanel, channel: number): Promise<void> {
  const s = states.get(view)!;
  const lid = panel.node.id;
  if (s.fanOf?.lid === lid && s.fanOf.channel === channel) return;
  s.fanOf = { lid, channel };
  (s.materials.get(lid)!.uniforms.selected.value as number) = channel;
  placeFan(s.fan, panel);
  const rows = await topkOf(ctx, view, s, lid, channel, FAN_SIZE);
  if (s.fanOf?.lid !== lid || s.fanOf.channel !== channel) return; // the pointer moved on
  const [, h, w] = panel.node.shape.length === 3 ? panel.node.shape : [0, 1, 1];
  const examples: FanExample[] = rows.map((r) => ({
    image: r.image, value: r.value, rank: r.rank, at: [(r.x + 0.5) / w, (r.y + 0.5) / h], bitmap: null,
  }));
  s.fan.show(`${panel.node.name} · channel ${channel}`, examples);
  ctx.interaction.invalidate();
  ctx.gate.invalidate();
  const did = datasetOf(ctx, view);
  if (!did) return;
  await Promise.all(examples.map(async (e) => {
    e.bitmap = await ctx.api.image(ctx.api.datasetImageUrl(did, e.image), `load image ${e.image}`);
    s.fan.repaint();
    ctx.gate.invalidate();
  }));
}

function placeFan(fan: ExamplesFan, panel: LayerPanel): void {
  const m = panel.object;
  const scale = Math.max(1, m.scale.y / FAN_WORLD.height);
  fan.object.scale.setScalar(Math.min(scale, 2));
  const half = (FAN_WORLD.width * fan.object.scale.x) / 2;
  const y = Math.max(m.position.y, (FAN_WORLD.height * fan.object.scale.y) / 2 + 0.05);
  fan.object.position.set(m.position.x + m.scale.x / 2 + 0.05 + half, y, m.position.z + 0.02);
  fan.object.quaternion.copy(m.quaternion);
}

function hideFan(s: ExamplesState): void {
  s.fanOf = null;
  s.pinned = false;
  s.fan.object.visible = false;
}

/** The dataset panel lists the images that excite the channel most, best first (from the precomputed top-k). */
async function rankDataset(ctx: AppContext, view: NetworkView, lid: string, channel: number): Promise<void> {
  const s = states.get(view)!;
  s.selected = { lid, channel };
  const did = datasetOf(ctx, view);
  const panel = ctx.store.datasetPanels.find((p) => p.dataset.id === did);
  if (!panel) return;
  const rows = await topkOf(ctx, view, s, lid, channel, RANKING_SIZE);
  if (s.selected?.lid !== lid || s.selected.channel !== channel) return;
  const name = view.panels.get(lid)?.node.name ?? lid;
  await panel.showRanking(`most activating · ${name} ch ${channel}`,
    rows.map((r) => ({ index: r.image, note: `#${r.rank + 1} · ${r.value.toPrecision(3)}` })));
}

/**
 * The served dataset the precomputed run was made on (its images are what the fan-out shows); null when the
 * server does not serve it, which the toast explains once.
 */
function datasetOf(ctx: AppContext, view: NetworkView): string | null {
  const spec = states.get(view)?.spec;
  const served = ctx.store.datasetPanels.find((p) => p.dataset.spec === spec) ?? ctx.store.datasetPanels.find((p) => p.dataset.id === view.info.dataset);
  if (served) return served.dataset.id;
  ctx.toast(`the dataset ${spec ?? ''} of the precomputed run is not served: start layerwalk serve with --dataset ${spec ?? 'SPEC'}`, 'error');
  return null;
}
