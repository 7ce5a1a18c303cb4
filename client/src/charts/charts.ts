import { Vector3 } from 'three';
import type { ReceptiveField, SelectionState } from '../api/types';
import { pickUp } from '../app/carry-interaction';
import type { AppContext } from '../app/context';
import type { Interactive } from '../input/interaction';
import type { CanvasPanel } from '../scene/canvas-panel';
import type { LayerPanel } from '../scene/layer-panel';
import type { NetworkView } from '../scene/network-view';
import { BOARD_SIZE, createChartBoard } from './chart-board';
import type { BoardHost, ChartBoard } from './chart-board';
import type { ChartHints } from './chart-hints';
import { createLinkedSelection } from './linked-selection';
import type { LinkedSelection } from './linked-selection';
import { runAnalysis } from './analysis-jobs';
import { createInputOverlay } from './input-overlay';
import type { InputBox, InputOverlay } from './input-overlay';
import { createTileFrames } from './tile-frames';
import type { TileFrames } from './tile-frames';

/** The analysis charts in the scene and the linked selection they share with the panels and the server. */
export interface Charts {
  readonly selection: LinkedSelection;
  readonly board: ChartBoard | null;
  /** the tile frames of each layer panel that shows selected filters */
  readonly frames: ReadonlyMap<string, TileFrames>;
  /** receptive field and focus squares on each network's input canvas */
  readonly overlays: ReadonlyMap<string, InputOverlay>;
  /** open the charts of one layer beside its panel (closing the board open before) */
  open(nid: string, lid: string): ChartBoard;
  close(): void;
  /** a selection from the event stream */
  receive(state: SelectionState): void;
  /** once the scene is built: clicking a map of a panel selects that filter */
  linkViews(): void;
  /** fly the camera in front of the open board */
  flyToBoard(): boolean;
}

const _p = new Vector3();
const _look = new Vector3();
const _size = new Vector3();

export function installCharts(ctx: AppContext): Charts {
  const selection = createLinkedSelection((nid, s) => ctx.api.setSelection(nid, s), (err) => ctx.reportError(err));
  const frames = new Map<string, TileFrames>();
  let board: ChartBoard | null = null;
  const dirty = new Set<CanvasPanel>();
  let scheduled = false;
  // canvases are repainted once per frame whatever number of changes came in; the render gate then draws the frame
  const repaintSoon = (panel?: CanvasPanel) => {
    if (panel) dirty.add(panel);
    ctx.gate.invalidate();
    if (scheduled) return;
    scheduled = true;
    ctx.scheduler.onNextFrame(() => {
      scheduled = false;
      dirty.forEach((p) => p.update());
      dirty.clear();
      ctx.gate.invalidate();
    });
  };
  const hints: ChartHints = {
    show(hit, lines) {
      const at = hit.pointer.screenPosition();
      if (at) ctx.tooltip.show(at.x, at.y, lines);
      else ctx.worldTooltip?.show(hit.pointer, hit.point, lines);
    },
    hide(pointer) {
      ctx.tooltip.hide();
      ctx.worldTooltip?.hide(pointer);
    },
  };
  const panelOf = (nid: string, lid: string | null) => (lid ? ctx.store.views.get(nid)?.panels.get(lid) : undefined);
  const showFrames = (nid: string) => {
    const s = selection.get(nid);
    for (const [key, f] of frames) {
      if (key !== `${nid}/${s.layer}`) f.show([]);
    }
    const panel = panelOf(nid, s.layer);
    if (!panel) return;
    const key = `${nid}/${s.layer}`;
    if (!frames.has(key)) frames.set(key, createTileFrames(panel));
    frames.get(key)!.show(s.filters);
  };
  selection.onChange((nid, s) => {
    showFrames(nid);
    if (board?.nid === nid) board.applySelection(s);
    repaintSoon();
  });

  const host = (nid: string, view: NetworkView): BoardHost => ({
    api: ctx.api, hints, repaintSoon,
    select: (change, origin) => selection.select(nid, change, origin),
    selection: () => selection.get(nid),
    register: (object, interactive) => ctx.interaction.add(object, interactive),
    unregister: (object) => ctx.interaction.remove(object),
    dataset: view.info.dataset ? { id: view.info.dataset } : null,
    pickUp: (item, label, image) => pickUp(ctx, { source: { source: 'dataset', dataset: view.info.dataset!, index: item }, label }, image),
    download(url, filename) {
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
    },
    reportError: (err) => ctx.reportError(err),
    async focus(layer, filters) {
      const channels = filters.slice(0, 10);
      const result = await runAnalysis<{ filters: { channel: number; boxes: number[][] }[] }>(ctx.api, nid,
        { what: 'focus', layers: [layer], channels }, undefined, () => {});
      const { overlay } = await overlayOf(nid);
      overlay.showFocus(result.data.filters.map((f) => f.boxes.map((b) => b as unknown as InputBox)));
      repaintSoon();
      const dropped = filters.length > channels.length ? ` (the first ${channels.length} of ${filters.length})` : '';
      return `focus: ${overlay.focusSquares} squares of ${channels.length} filters on the input canvas${dropped}`;
    },
  });

  // receptive fields: loaded once per network, at the first hover of a panel
  const fields = new Map<string, Promise<{ size: number[]; nodes: Map<string, ReceptiveField> }>>();
  const overlays = new Map<string, InputOverlay>();
  const fieldsOf = (nid: string) => {
    if (!fields.has(nid)) {
      fields.set(nid, ctx.api.receptiveFields(nid).then((rf) => ({ size: rf.input_size, nodes: new Map(rf.nodes.map((n) => [n.node, n])) })));
    }
    return fields.get(nid)!;
  };
  const overlayOf = async (nid: string) => {
    const view = ctx.store.views.get(nid)!;
    const rf = await fieldsOf(nid);
    if (!overlays.has(nid)) overlays.set(nid, createInputOverlay(view.station, rf.size));
    return { overlay: overlays.get(nid)!, rf };
  };
  const showField = (nid: string, lid: string, at: { x: number; y: number } | null) => {
    overlayOf(nid).then(({ overlay, rf }) => {
      const f = at && rf.nodes.get(lid);
      overlay.showField(f ? unitField(f, at) : null);
      repaintSoon();
    }, (err) => ctx.reportError(err));
  };

  const charts: Charts = {
    selection, frames, overlays,
    get board() {
      return board;
    },
    open(nid, lid) {
      const view = ctx.store.views.get(nid);
      const panel = view?.panels.get(lid);
      if (!view || !panel) throw new Error(`no layer ${lid} in network ${nid}`);
      charts.close();
      const inputs = ctx.store.datasetPanels.find((d) => d.dataset.id === view.info.dataset)?.dataset.size ?? 20;
      board = createChartBoard(host(nid, view), nid, panel, inputs);
      placeBeside(board, panel);
      ctx.world.scene.add(board.object);
      ctx.interaction.invalidate();
      repaintSoon();
      return board;
    },
    close() {
      board?.dispose();
      board = null;
      ctx.interaction.invalidate();
      repaintSoon();
    },
    receive: (state) => selection.receive(state),
    linkViews() {
      for (const view of ctx.store.views.values()) {
        view.panels.forEach((panel) => linkPanel(view, panel));
        ctx.api.selection(view.info.id).then((s) => selection.receive(s), (err) => ctx.reportError(err));
      }
    },
    flyToBoard() {
      if (!board) return false;
      board.object.updateMatrixWorld();
      board.object.getWorldPosition(_look);
      _p.set(0, 0, BOARD_SIZE.width * 0.95).applyQuaternion(board.object.quaternion).add(_look);
      ctx.locomotion.flyTo(_p, _look);
      return true;
    },
  };

  /**
   * Clicking a map selects its filter (the panel keeps its own click: the magnifier opens as before); hovering a
   * map's pixel draws that unit's receptive field on the input canvas.
   */
  const linkPanel = (view: NetworkView, panel: LayerPanel) => {
    const interactive = panel.object.userData.interactive as Interactive | undefined;
    if (!interactive) return;
    const { select, hover, hoverEnd } = interactive;
    const nid = view.info.id;
    interactive.hover = (hit) => {
      hover?.(hit);
      const h = hit.uv && panel.hitAt(hit.uv);
      showField(nid, panel.node.id, h || null);
    };
    interactive.hoverEnd = (pointer) => {
      hoverEnd?.(pointer);
      showField(nid, panel.node.id, null);
    };
    interactive.select = (hit) => {
      select?.(hit);
      const h = hit.uv && panel.hitAt(hit.uv);
      if (h) selection.select(view.info.id, { layer: panel.node.id, filters: [h.channel] }, 'panel');
    };
  };

  window.addEventListener('keydown', (e) => {
    if (e.code !== 'KeyG' || e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey) return;
    const hit = ctx.interaction.hovered(ctx.pointer);
    const lid = hit?.object.userData.layerId as string | undefined;
    const nid = hit?.object.userData.network as string | undefined;
    if (lid && nid) charts.open(nid, lid);
    else if (board) charts.close();
    else ctx.toast('Point at a layer panel and press G to open its analysis charts.');
  });
  return charts;
}

/** To the right of the panel, turned a little towards a viewer standing in front of the panel. */
function placeBeside(board: ChartBoard, panel: LayerPanel): void {
  panel.object.updateMatrixWorld();
  panel.object.getWorldPosition(_p);
  panel.object.getWorldScale(_size);
  board.object.rotation.y = -0.3;
  board.object.position.set(_p.x + _size.x / 2 + 0.3 + (BOARD_SIZE.width / 2) * Math.cos(0.3), 0.35 + BOARD_SIZE.height / 2,
    _p.z + (BOARD_SIZE.width / 2) * Math.sin(0.3));
}

/** The input pixels unit (x, y) of a node sees (clipped to the image), or the node's whole field when it has no map. */
export function unitField(f: ReceptiveField, at: { x: number; y: number }): InputBox | null {
  if (f.y && f.x && at.y < f.y.lo.length && at.x < f.x.lo.length) return [f.y.lo[at.y], f.x.lo[at.x], f.y.hi[at.y], f.x.hi[at.x]];
  return f.box ? [f.box[0], f.box[1], f.box[2], f.box[3]] : null;
}
