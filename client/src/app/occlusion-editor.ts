import { Plane, Vector3 } from 'three';
import type { Mesh, Ray } from 'three';
import type { ClassChange, DatasetGrew, InputEvent, ProbingState } from '../api/types';
import { blockAt, blockBetween, moved, onHandle, resized, sameBlocks } from '../graph/occlusion-blocks';
import type { Block, Fill, PixelPoint } from '../graph/occlusion-blocks';
import type { PointerHit } from '../input/interaction';
import type { Pointer } from '../input/pointer';
import { STATION_WORLD } from '../scene/input-station';
import type { NetworkView } from '../scene/network-view';
import { stationSpot } from '../scene/network-view';
import { TOOLS_WORLD, createOcclusionTools } from '../scene/occlusion-tools';
import type { OcclusionTool, OcclusionTools } from '../scene/occlusion-tools';
import { COLORS } from '../scene/text';
import type { AppContext } from './context';

/**
 * The occlusion editor of one network (the dissertation's "Edit": press and drag on the input to draw a block):
 * blocks drawn, moved and resized on the input canvas, the fill, undo, and saving the edited image. The server
 * paints the blocks on the un-edited input and runs the forward pass; the answer is a new input version, so every
 * panel of every client updates as for any input, and the input canvas shows the top 5 before and after.
 */
export interface OcclusionEditor {
  readonly tools: OcclusionTools;
  /** the blocks of the edit, in input pixels, in drawing order */
  readonly blocks: readonly Block[];
  /** index of the selected block (moved, resized, deleted, refilled by the tools), -1: none */
  readonly selected: number;
  readonly fill: Fill;
  readonly changes: readonly ClassChange[] | null;
  /** the input version of the last edit this editor knows of */
  readonly version: number;
  /** an edit is being run (or waits to be) */
  readonly busy: boolean;
  /** a press on the input image turned into a drag: draw a block, or move or resize the one under it */
  dragStart(hit: PointerHit): boolean;
  drag(pointer: Pointer): void;
  dragEnd(pointer: Pointer): void;
  /** a click on the image: select the block under it (or deselect); false if the click was not on the image */
  clickImage(hit: PointerHit): boolean;
  use(tool: OcclusionTool): void;
  /** replace the blocks (one undo step) and run the edit; resolves when the server has answered */
  apply(blocks: Block[]): Promise<void>;
  /** another client (or this one) changed the probing state */
  follow(state: ProbingState): void;
  /** a network got a new input: an input that is not an edit ends the edit */
  inputChanged(event: InputEvent): void;
}

interface Drag {
  mode: 'draw' | 'move' | 'resize';
  start: PixelPoint;
  /** the blocks when the drag started (the undo step) */
  before: Block[];
  index: number;
}

const editors = new WeakMap<NetworkView, OcclusionEditor>();
const HANDLE = 0.04; // reach of the resize handle, as a fraction of the image's longer side
const _plane = new Plane();
const _normal = new Vector3();
const _point = new Vector3();

export function occlusionEditor(view: NetworkView): OcclusionEditor | undefined {
  return editors.get(view);
}

/**
 * The editor of a network and its tools panel, right above the input canvas (in its plane: beside it stand the
 * method panel and the dataset panel, and the page's overlays cover the lower corners of the start view).
 */
export function addOcclusionEditor(ctx: AppContext, view: NetworkView): OcclusionEditor {
  const tools = createOcclusionTools();
  const [ox, oz] = stationSpot(view.graph);
  const station = view.station.object.position;
  tools.object.position.set(ox, station.y + STATION_WORLD.height / 2 + 0.04 + TOOLS_WORLD.height / 2, oz);
  tools.object.userData.network = view.info.id;
  tools.object.onBeforeRender = () => tools.update();
  view.object.add(tools.object);
  const editor = createEditor(ctx, view, tools);
  editors.set(view, editor);
  const at = (uv: { x: number; y: number } | null) => (uv ? tools.toolAt(uv.x, uv.y) : null);
  ctx.interaction.add(tools.object, {
    hover: (hit) => (tools.setHover(at(hit.uv)), ctx.gate.invalidate()),
    hoverEnd: () => (tools.setHover(null), ctx.gate.invalidate()),
    select(hit) {
      const tool = at(hit.uv);
      if (tool) editor.use(tool);
    },
  });
  return editor;
}

function createEditor(ctx: AppContext, view: NetworkView, tools: OcclusionTools): OcclusionEditor {
  const nid = view.info.id;
  const [, imgH, imgW] = view.info.input_shape.slice(-3);
  let blocks: Block[] = [];
  let history: Block[][] = [];
  let selected = -1;
  let fill: Fill = 'black';
  let changes: readonly ClassChange[] | null = null;
  let drag: Drag | null = null;
  let version = -1;
  let inFlight = false;
  let pending = false;

  const pixelOf = (u: number, v: number): PixelPoint => {
    const [fx, fy] = view.station.imagePoint(u, v);
    return [fx * imgW, fy * imgH];
  };
  const onImage = (p: PixelPoint) => p[0] >= 0 && p[1] >= 0 && p[0] <= imgW && p[1] <= imgH;

  const show = () => {
    tools.setState({ fill, blocks: blocks.length, selected: selected >= 0, canUndo: history.length > 0,
      edited: blocks.length > 0, busy: inFlight });
    view.station.setMarks(blocks.length ? (c, x, y, w, h) => paintMarks(c, blocks, selected, drag, [x, y, w, h], [imgW, imgH]) : null);
    ctx.gate.invalidate();
  };

  /**
   * Send the blocks; while an edit runs on the server, only the newest blocks are sent after it (a drag sends as it
   * goes). Resolves when the server has answered the last of them (the panels then load as for any new input).
   */
  const send = async (): Promise<void> => {
    if (inFlight) {
      pending = true;
      return;
    }
    inFlight = true;
    show();
    const t0 = performance.now();
    try {
      const result = await ctx.api.setOcclusion(nid, blocks);
      version = result.version;
      if (!drag && !pending) {
        blocks = result.blocks as Block[]; // as applied: clipped to the image, blocks wholly outside dropped
        if (selected >= blocks.length) selected = -1;
      }
      changes = result.blocks.length ? result.changes : null;
      view.station.setChanges(changes);
      view.setClassification(result.classification);
      // the panels load meanwhile; a newer edit's load takes over from this one
      ctx.refresh(nid, result.version, t0).catch((err) => ctx.reportError(err));
    } catch (err) {
      ctx.reportError(err);
    } finally {
      inFlight = false;
      show();
    }
    if (pending) {
      pending = false;
      await send();
    }
  };

  const commit = (next: Block[], before: Block[] = blocks): Promise<void> => {
    history.push(before);
    blocks = next;
    show();
    return send();
  };

  const reset = () => {
    [blocks, history, selected, changes] = [[], [], -1, null];
    view.station.setChanges(null);
    show();
  };

  const save = async () => {
    const saved = await ctx.api.saveEditedInput(nid);
    ctx.toast(`Saved the edited image as item ${saved.index} of the dataset`, 'ok');
    await showSavedItem(ctx, saved, true);
  };

  const editor: OcclusionEditor = {
    tools,
    get blocks() {
      return blocks;
    },
    get selected() {
      return selected;
    },
    get fill() {
      return fill;
    },
    get changes() {
      return changes;
    },
    get version() {
      return version;
    },
    get busy() {
      return inFlight || pending;
    },
    dragStart(hit) {
      if (!hit.uv || drag) return false;
      const p = pixelOf(hit.uv.x, hit.uv.y);
      if (!onImage(p)) return false;
      const reach = HANDLE * Math.max(imgW, imgH);
      const under = blockAt(blocks, p);
      if (selected >= 0 && onHandle(blocks[selected], p, reach)) drag = { mode: 'resize', start: p, before: blocks, index: selected };
      else if (under >= 0) drag = { mode: 'move', start: p, before: blocks, index: under };
      else drag = { mode: 'draw', start: p, before: blocks, index: blocks.length };
      selected = drag.index;
      blocks = drag.mode === 'draw' ? [...blocks, blockBetween(p, p, fill)] : [...blocks];
      show();
      return true;
    },
    drag(pointer) {
      const uv = drag && stationUv(view.station.object as Mesh, pointer.ray);
      if (!drag || !uv) return;
      const p = pixelOf(uv[0], uv[1]);
      const old = drag.before[drag.index];
      const next = drag.mode === 'draw' ? blockBetween(drag.start, p, fill)
        : drag.mode === 'move' ? moved(old, p[0] - drag.start[0], p[1] - drag.start[1]) : resized(old, p);
      if (sameBlocks([next], [blocks[drag.index]])) return;
      blocks[drag.index] = next;
      show();
      void send(); // the network answers while the block is dragged (one edit in flight at a time)
    },
    dragEnd() {
      if (!drag) return;
      const { before } = drag;
      drag = null;
      if (sameBlocks(before, blocks)) {
        show();
        return;
      }
      commit(blocks, before).catch((err) => ctx.reportError(err));
    },
    clickImage(hit) {
      if (!hit.uv) return false;
      const p = pixelOf(hit.uv.x, hit.uv.y);
      if (!onImage(p)) return false;
      const under = blockAt(blocks, p);
      if (under < 0 && !blocks.length) return false; // nothing to select: the canvas' usual click (hint, drop)
      selected = under === selected ? -1 : under;
      show();
      return true;
    },
    use(tool) {
      if (tool === 'black' || tool === 'mean' || tool === 'blur') {
        fill = tool;
        if (selected >= 0 && blocks[selected].fill !== tool) {
          void commit(blocks.map((b, i) => (i === selected ? { ...b, fill: tool } : b)));
          return;
        }
      } else if (tool === 'undo' && history.length) {
        blocks = history.pop()!;
        selected = -1;
        void send();
      } else if (tool === 'delete' && selected >= 0) {
        const next = blocks.filter((_, i) => i !== selected);
        selected = -1;
        void commit(next);
        return;
      } else if (tool === 'clear' && blocks.length) {
        selected = -1;
        void commit([]);
        return;
      } else if (tool === 'save' && blocks.length) {
        save().catch((err) => ctx.reportError(err));
      }
      show();
    },
    apply: (next) => commit(next),
    follow(state) {
      if (state.network !== nid || state.version <= version || drag || inFlight || pending) return;
      version = state.version;
      if (!sameBlocks(blocks, state.blocks as Block[])) {
        history.push(blocks);
        blocks = state.blocks as Block[];
        selected = -1;
      }
      changes = state.blocks.length ? state.changes ?? null : null;
      view.station.setChanges(changes);
      show();
    },
    inputChanged(event) {
      if (event.network === nid && (event.source as { source?: string }).source !== 'occlusion' && !inFlight) reset();
    },
  };
  show();
  return editor;
}

/**
 * Outlines of the blocks over the image (the image itself shows what the server painted): dashed, the selected
 * one solid with its resize handle; the block being drawn is filled at once, before the server answers.
 * `box`: the image's box on the canvas; `size`: the input's width and height in pixels.
 */
function paintMarks(c: CanvasRenderingContext2D, blocks: readonly Block[], selected: number, drag: Drag | null,
  box: [number, number, number, number], size: [number, number]): void {
  const [x0, y0, bw, bh] = box;
  const [sx, sy] = [bw / size[0], bh / size[1]];
  const rect = (b: Block): [number, number, number, number] => [x0 + b.x * sx, y0 + b.y * sy, b.w * sx, b.h * sy];
  c.save();
  c.beginPath();
  c.rect(x0, y0, bw, bh);
  c.clip(); // blocks outside the image are clipped there too
  blocks.forEach((b, i) => {
    const [x, y, w, h] = rect(b);
    if (drag?.index === i && drag.mode === 'draw') {
      c.fillStyle = b.fill === 'black' ? 'rgba(0,0,0,0.8)' : 'rgba(128,128,128,0.6)';
      c.fillRect(x, y, w, h);
    }
    c.strokeStyle = i === selected ? COLORS.accent : 'rgba(255,255,255,0.85)';
    c.lineWidth = i === selected ? 4 : 2;
    c.setLineDash(i === selected ? [] : [8, 6]);
    c.strokeRect(x, y, w, h);
    if (i === selected) {
      c.fillStyle = COLORS.accent;
      c.fillRect(x + w - 9, y + h - 9, 18, 18);
    }
  });
  c.restore();
}

/** Canvas uv of the input canvas where a ray crosses its plane (also beyond its edges: a drag may leave it). */
function stationUv(mesh: Mesh, ray: Ray): [number, number] | null {
  mesh.updateMatrixWorld();
  _normal.set(0, 0, 1).transformDirection(mesh.matrixWorld);
  _plane.setFromNormalAndCoplanarPoint(_normal, mesh.getWorldPosition(_point));
  if (!ray.intersectPlane(_plane, _point)) return null;
  mesh.worldToLocal(_point);
  return [_point.x / STATION_WORLD.width + 0.5, _point.y / STATION_WORLD.height + 0.5];
}

/**
 * An item was added to a dataset: its panel counts it, and shows its page when this client saved it (`own`) or
 * that page is the one shown.
 */
export async function showSavedItem(ctx: AppContext, saved: DatasetGrew, own: boolean): Promise<void> {
  const panel = ctx.store.datasetPanels.find((p) => p.dataset.id === saved.dataset);
  if (!panel) return;
  if (saved.total > panel.size) panel.setSize(saved.total);
  const page = panel.pageOf(saved.index);
  if (own || (panel.page === page && !panel.ranking)) await panel.showPage(page);
}

/** Delete / Backspace delete the selected block, Ctrl+Z undoes (the network whose editor has a selection first). */
export function installOcclusionKeys(ctx: AppContext): void {
  window.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement) return;
    const undo = e.key.toLowerCase() === 'z' && (e.ctrlKey || e.metaKey);
    if (!undo && e.key !== 'Delete' && e.key !== 'Backspace') return;
    const all = [...ctx.store.views.values()].map((v) => editors.get(v)).filter((x) => x !== undefined);
    const editor = all.find((x) => x.selected >= 0) ?? all.find((x) => x.blocks.length > 0) ?? all[0];
    if (!editor) return;
    e.preventDefault();
    editor.use(undo ? 'undo' : 'delete');
  });
}
