import type { InputSource } from '../api/types';
import type { DatasetPanel } from '../scene/dataset-panel';
import type { NetworkView } from '../scene/network-view';
import { selectTarget } from './attribution';
import type { AppContext, Carry } from './context';
import { occlusionEditor } from './occlusion-editor';

/** Pick up: the carried image appears at the pointer and remembers which input source it stands for. */
export function pickUp(ctx: AppContext, carry: Carry, image: CanvasImageSource | null): void {
  ctx.store.pickUp(carry);
  ctx.carried.show(image, carry.label);
  document.body.classList.add('lw-carrying');
}

export function putBack(ctx: AppContext): void {
  ctx.store.putDown();
  ctx.carried.hide();
  document.body.classList.remove('lw-carrying');
}

/** Drop the carried image into a network: forward pass on the server, then everything updates. */
export async function dropInto(ctx: AppContext, view: NetworkView, source: InputSource): Promise<void> {
  const t0 = performance.now();
  view.station.setDropHint('busy');
  try {
    const result = await ctx.api.setInput(view.info.id, source);
    view.setClassification(result.classification);
    await ctx.refresh(view.info.id, result.version, t0);
  } finally {
    view.station.setDropHint('none');
  }
}

/**
 * The input station is the drop target; without a carried image, a click on a class bar explains that class, and
 * press-and-drag on the image edits the occlusion blocks (occlusion-editor.ts).
 */
export function makeStationInteractive(ctx: AppContext, view: NetworkView): void {
  ctx.interaction.add(view.station.object, {
    hover: () => view.station.setDropHint(ctx.store.carry ? 'can-drop' : 'none'),
    hoverEnd: () => view.station.setDropHint('none'),
    dragStart: (hit) => !ctx.store.carry && (occlusionEditor(view)?.dragStart(hit) ?? false),
    drag: (pointer) => occlusionEditor(view)?.drag(pointer),
    dragEnd: (pointer) => occlusionEditor(view)?.dragEnd(pointer),
    select(hit) {
      const target = !ctx.store.carry && hit.uv ? view.station.predictionAt(hit.uv.x, hit.uv.y) : null;
      if (target) {
        selectTarget(ctx, view, target.index).catch((err) => ctx.reportError(err));
        return;
      }
      if (!ctx.store.carry && occlusionEditor(view)?.clickImage(hit)) return;
      if (!ctx.store.carry) {
        ctx.toast('Pick an image from the dataset panel (or the noise generator) first, or drop a file on the page.');
        return;
      }
      const { source } = ctx.store.carry;
      putBack(ctx);
      dropInto(ctx, view, source).catch((err) => ctx.reportError(err));
    },
  });
}

/** Dataset panel: click a thumbnail to pick it up, prev/next pages, the noise generator. */
export function makeDatasetInteractive(ctx: AppContext, panel: DatasetPanel): void {
  const targetOf = (uv: { x: number; y: number } | null) => (uv ? panel.targetAt(uv.x, uv.y) : null);
  ctx.interaction.add(panel.object, {
    hover: (hit) => panel.setHover(targetOf(hit.uv)),
    hoverEnd: () => panel.setHover(null),
    select(hit) {
      const t = targetOf(hit.uv);
      if (!t) return;
      if (t.kind === 'item') {
        const label = t.item.class_name ?? `#${t.item.index}`;
        pickUp(ctx, { source: { source: 'dataset', dataset: panel.dataset.id, index: t.item.index }, label }, t.image);
      } else if (t.kind === 'noise') {
        const seed = Math.floor(Math.random() * 2 ** 31);
        pickUp(ctx, { source: { source: 'noise', seed }, label: `noise #${seed % 10000}` }, null);
      } else if (t.kind === 'all') {
        panel.showPage(panel.page).catch((err) => ctx.reportError(err)); // leave the ranking
      } else {
        panel.showPage(panel.page + (t.kind === 'next' ? 1 : -1)).catch((err) => ctx.reportError(err));
      }
    },
  });
}

/** A local image file dropped on the page goes to the network whose input canvas is nearest the camera. */
export function enableFileDrop(ctx: AppContext): void {
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('lw-dragging');
  });
  window.addEventListener('dragleave', () => document.body.classList.remove('lw-dragging'));
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('lw-dragging');
    const file = e.dataTransfer?.files?.[0];
    if (file) uploadFile(ctx, file).catch((err) => ctx.reportError(err));
  });
}

export async function uploadFile(ctx: AppContext, file: File, nid?: string): Promise<void> {
  const view = nid ? ctx.store.views.get(nid) : nearestView(ctx);
  if (!view) throw new Error('no network loaded to upload into');
  const t0 = performance.now();
  view.station.setDropHint('busy');
  try {
    const result = await ctx.api.uploadInput(view.info.id, file, file.name);
    view.setClassification(result.classification);
    ctx.toast(`Uploaded ${file.name} to ${view.info.name}`, 'ok');
    await ctx.refresh(view.info.id, result.version, t0);
  } finally {
    view.station.setDropHint('none');
  }
}

function nearestView(ctx: AppContext): NetworkView | undefined {
  let best: NetworkView | undefined;
  let bestD = Infinity;
  const cam = ctx.world.camera.position;
  for (const v of ctx.store.views.values()) {
    const d = v.station.object.getWorldPosition(v.station.object.position.clone()).distanceToSquared(cam);
    if (d < bestD) [best, bestD] = [v, d];
  }
  return best;
}
