import { Mesh, Vector3 } from 'three';
import { decodeLevel } from '../api/activation-format';
import { channelLevelRange } from '../graph/atlas-layout';
import type { PointerHit } from '../input/interaction';
import { cardButtonAt } from '../scene/info-card';
import type { CardButton } from '../scene/info-card';
import type { PanelMode } from '../scene/attribution-modes';
import type { LayerPanel } from '../scene/layer-panel';
import type { NetworkView } from '../scene/network-view';
import { formatShape, formatValue } from '../scene/text';
import type { AppContext } from './context';
import { analyzeNetwork, cycleImportance, setNetworkMode, setPanelMode } from './attribution';
import { toggleExamples } from './dataset-examples';
import { cycleFeatureVisChoice, startFeatureVis } from './featurevis';

const _target = new Vector3();
const _world = new Vector3();

/** Panels: hover tooltip, click to magnify a map, drag to move, wheel to scale. */
export function makePanelInteractive(ctx: AppContext, view: NetworkView, panel: LayerPanel): void {
  const mesh = panel.object;
  const offset = new Vector3();
  let distance = 0;
  ctx.interaction.add(mesh, {
    hover(hit) {
      panel.setHighlight(true);
      const lines = describeHit(panel, hit);
      const at = hit.pointer.screenPosition();
      if (ctx.magnifier.isOpen) ctx.tooltip.hide(); // the magnifier covers the panel: its tooltip would be stale
      else if (at) ctx.tooltip.show(at.x, at.y, lines);
      else ctx.worldTooltip?.show(hit.pointer, hit.point, lines);
    },
    hoverEnd(pointer) {
      panel.setHighlight(false);
      ctx.tooltip.hide();
      ctx.worldTooltip?.hide(pointer);
    },
    select(hit) {
      const a = panel.current;
      const h = hit.uv && panel.hitAt(hit.uv);
      if (!a || !h) return;
      ctx.magnifier.open(panel.node.name, a, h.channel);
      ctx.tooltip.hide();
    },
    dragStart(hit) {
      distance = hit.distance;
      offset.copy(mesh.getWorldPosition(_world)).sub(hit.point);
      ctx.tooltip.hide();
      ctx.worldTooltip?.hide(hit.pointer);
      return true;
    },
    drag(pointer) {
      _target.copy(pointer.ray.direction).multiplyScalar(distance).add(pointer.ray.origin).add(offset);
      _target.y = Math.max(mesh.scale.y / 2, _target.y);
      mesh.parent!.worldToLocal(_target);
      if (_target.equals(mesh.position)) return; // called every frame of a drag, also while the pointer rests
      mesh.position.copy(_target);
      view.panelMoved(panel.node.id);
      ctx.interaction.invalidate();
    },
    scale(factor) {
      const s = Math.min(8, Math.max(0.2, (mesh.scale.x / panel.size.x) * factor));
      mesh.scale.set(panel.size.x * s, panel.size.y * s, 1);
      view.placeCard(panel.node.id);
    },
  });
}

function describeHit(panel: LayerPanel, hit: PointerHit): string[] {
  const { node } = panel;
  const head = `${node.name}  ·  ${formatShape(node.shape)}`;
  const a = panel.current;
  const h = hit.uv ? panel.hitAt(hit.uv) : null;
  if (!a || !h) return [head];
  const [lo, hi] = channelLevelRange(panel.atlas, a.data, h.channel);
  const unit = node.shape.length === 1 ? 'unit' : 'channel';
  const range = lo === hi ? formatValue(decodeLevel(lo, a.vmin, a.vmax)) : `[${formatValue(decodeLevel(lo, a.vmin, a.vmax))}, ${formatValue(decodeLevel(hi, a.vmin, a.vmax))}]`;
  const help = hit.pointer.kind === 'xr' ? 'grip: move · grip + stick or both grips: scale' : 'click: magnify · drag: move · wheel: scale';
  return [head, `${unit} ${h.channel}  ·  ${lo === hi ? 'value' : 'range'} ${range}`, help];
}

/** Info cards (one shared atlas mesh per page): button hover and clicks. */
export function makeCardsInteractive(ctx: AppContext, owners: Map<number, { view: NetworkView; lid: string }>): void {
  let hovered: { view: NetworkView; lid: string } | null = null;
  const resolve = (hit: PointerHit) => {
    if (!hit.uv || hit.faceIndex === null) return null;
    const at = ctx.cardAtlas.slotAt(hit.object as Mesh, hit.faceIndex, hit.uv);
    const owner = at && owners.get(at.slot.index);
    return owner && at ? { ...owner, button: cardButtonAt(at.x, at.y, owner.lid === owner.view.outputId) } : null;
  };
  const clearHover = () => {
    hovered?.view.setCardHover(hovered.lid, null);
    hovered = null;
  };
  for (const mesh of ctx.cardAtlas.meshes) {
    ctx.interaction.add(mesh, {
      hover(hit) {
        const r = resolve(hit);
        if (hovered && (!r || r.lid !== hovered.lid || r.view !== hovered.view)) clearHover();
        if (!r) return;
        hovered = r;
        r.view.setCardHover(r.lid, r.button);
      },
      hoverEnd: clearHover,
      select(hit) {
        const r = resolve(hit);
        if (r?.button) cardAction(ctx, r.view, r.lid, r.button);
      },
    });
  }
}

function cardAction(ctx: AppContext, view: NetworkView, lid: string, button: CardButton): void {
  if (button.startsWith('mode-')) {
    const mode = button.slice('mode-'.length) as PanelMode;
    if (lid === view.outputId) setNetworkMode(ctx, view, mode); // the output card speaks for the whole network
    else setPanelMode(ctx, view, lid, mode);
  } else if (button === 'fv-start' || button === 'fv-style') {
    cycleFeatureVisChoice(view, lid, button === 'fv-start' ? 'start' : 'style');
  } else if (button === 'importance') {
    cycleImportance(ctx, view, lid);
  } else if (button === 'examples') {
    toggleExamples(ctx, view, lid).catch((err) => ctx.reportError(err));
  } else if (button === 'analyze') {
    analyzeNetwork(ctx, view).catch((err) => ctx.reportError(err));
  } else if (button === 'reset') {
    view.panels.get(lid)?.resetTransform();
    view.panelMoved(lid);
    ctx.interaction.invalidate();
  } else if (button === 'export') {
    const a = document.createElement('a');
    a.href = ctx.api.exportUrl(view.info.id, lid);
    a.download = `${view.info.id}-${lid}.zip`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    ctx.toast(`Exporting ${lid}…`);
  } else {
    startFeatureVis(ctx, view, lid).catch((err) => ctx.reportError(err));
  }
}
