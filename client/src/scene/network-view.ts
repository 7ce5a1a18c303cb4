import { Group, Matrix4, Mesh, Quaternion, ShaderMaterial, Vector2, Vector3 } from 'three';
import type { GraphNode, Histogram, LayerActivation, NetworkGraph, NetworkInfo, Prediction } from '../api/types';
import { levelHistogram } from '../graph/histogram';
import { createEdgeLines } from './edge-lines';
import type { EdgeLines } from './edge-lines';
import { createEdgeLabels } from './edge-labels';
import type { EdgeLabels } from './edge-labels';
import { CARD_WORLD, paintInfoCard } from './info-card';
import type { CardButton, InfoCardState } from './info-card';
import { STATION_WORLD, createInputStation } from './input-station';
import type { InputStation } from './input-station';
import { createLayerPanel } from './layer-panel';
import type { LayerPanel } from './layer-panel';
import type { AtlasSlot, QuadAtlas } from './quad-atlas';
import { channelsText, formatCount, formatShape } from './text';
import type { WorldText } from './world-text';
import type { Text } from 'troika-three-text';

export interface LayerCard {
  slot: AtlasSlot;
  state: InfoCardState;
  /** the layer's title over its panel (SDF text, sized with the panel so it reads from the fly-to spot) */
  title: { name: Text; shape: Text };
}

/** why a layer is hidden: by the user (layer tree) or because it stands in the way of a fly-to view */
export type HideReason = 'user' | 'view';

export interface NetworkView {
  readonly info: NetworkInfo;
  readonly graph: NetworkGraph;
  readonly object: Group;
  readonly offsetX: number;
  readonly panels: Map<string, LayerPanel>;
  readonly cards: Map<string, LayerCard>;
  readonly station: InputStation;
  readonly edges: EdgeLines;
  readonly edgeLabels: EdgeLabels;
  /** the output layer (its card holds the classification and the network-wide buttons) */
  readonly outputId: string | undefined;
  /** number of layers of the graph that have no panel (must stay 0: no layer is ever left out) */
  readonly missing: string[];
  applyLayer(activation: LayerActivation): number;
  setClassification(predictions: Prediction[]): void;
  setWeights(lid: string, weights: Histogram | null): void;
  setJob(lid: string, job: InfoCardState['job']): void;
  /** the start image and style the card's ✦ button visualizes with */
  setFeatureVisChoice(lid: string, choice: Partial<InfoCardState['featurevis']>): void;
  setCardHover(lid: string, button: CardButton | null): void;
  repaintCard(lid: string): void;
  /** re-place a layer's info card after the panel moved or scaled */
  placeCard(lid: string): void;
  /** a panel moved (drag, reset): its card, its edges and their labels follow it */
  panelMoved(lid: string): void;
  /** Hide or show a layer's panel and card for one reason; it is shown when no reason is left (no draw, no pointer). */
  setLayerHidden(lid: string, reason: HideReason, hidden: boolean): void;
  /** whether the layer is hidden (for that reason, or for any) */
  isLayerHidden(lid: string, reason?: HideReason): boolean;
  update(): void;
  dispose(): void;
}

const _m = new Matrix4();
const _p = new Vector3();
const _q = new Quaternion();
const _s = new Vector3();
const TILT_ANGLE = 0.35;
const TILT = new Quaternion().setFromAxisAngle(new Vector3(1, 0, 0), -TILT_ANGLE);
const TITLE_GAP = 0.03;

/**
 * Em sizes (metres) of a layer's title and shape line over a panel `height` m tall. Fly-to frames the panel with
 * its card (~0.7 m more), so the view's height grows with the panel: text sized in proportion keeps ≥ 12 px on
 * an 800 px tall view; small panels get a floor so their titles read from a few metres away.
 */
export function titleSizes(height: number): { name: number; shape: number; total: number } {
  const name = Math.max(0.05, 0.023 * (height + 0.7));
  const shape = Math.max(0.045, 0.0215 * (height + 0.7));  // 0.019: 11.2 px once (demo stem)
  return { name, shape, total: TITLE_GAP + shape + name * 1.1 };
}

/**
 * One network in the world: a panel per layer, an info card per layer (in the shared card atlas), the floor
 * edges and their labels, and the input station at the layout's origin; everything shifted by `offsetX`.
 */
export function createNetworkView(
  info: NetworkInfo, graph: NetworkGraph, offsetX: number, cardAtlas: QuadAtlas, labelAtlas: QuadAtlas, texts: WorldText,
  upload: (material: ShaderMaterial) => void = () => {},
): NetworkView {
  const object = new Group();
  object.name = `network:${info.id}`;
  object.position.x = offsetX;
  const panels = new Map<string, LayerPanel>();
  const cards = new Map<string, LayerCard>();
  const missing: string[] = [];
  const outputId = graph.nodes[graph.nodes.length - 1]?.id;
  for (const node of graph.nodes) {
    const place = graph.layout.nodes[node.id];
    if (!place || node.kind === 'marker') {
      if (!place && node.kind !== 'marker') missing.push(node.id);
      continue;
    }
    const panel = createLayerPanel(node, place);
    panel.object.userData.network = info.id;
    object.add(panel.object);
    panels.set(node.id, panel);
    cards.set(node.id, {
      slot: cardAtlas.allocate(CARD_WORLD.width, CARD_WORLD.height), state: emptyCard(node, node.id === outputId),
      title: layerTitle(texts, node, panel.size.y),
    });
  }
  // where a panel stands relative to its layout place (the ends of its edges follow it)
  const shiftOf = (lid: string, out: Vector2) => {
    const panel = panels.get(lid);
    return panel ? out.set(panel.object.position.x - panel.home.x, panel.object.position.z - panel.home.z) : out.set(0, 0);
  };
  const edges = createEdgeLines(graph.layout.edges, shiftOf);
  object.add(edges.object);
  const edgeLabels = createEdgeLabels(labelAtlas, graph.layout.edges, offsetX, shiftOf);
  const station = createInputStation(info.name, texts);
  const [ox, oz] = stationSpot(graph);
  station.object.position.set(ox, 0.35 + STATION_WORLD.height / 2, oz);
  station.object.userData.network = info.id;
  object.add(station.object);
  object.updateMatrixWorld(true);

  // change a card's state, then repaint it
  const editCard = (lid: string, edit: (state: InfoCardState) => void) => {
    const card = cards.get(lid);
    if (!card) return;
    edit(card.state);
    view.repaintCard(lid);
  };

  const hiddenBy = new Map<string, Set<HideReason>>();

  const view: NetworkView = {
    info, graph, object, offsetX, panels, cards, station, edges, edgeLabels, missing, outputId,
    applyLayer(activation) {
      const panel = panels.get(activation.id);
      const card = cards.get(activation.id);
      if (!panel || !card) return 0;
      const bytes = panel.update(activation);
      upload(panel.object.material as ShaderMaterial);
      card.state.vmin = activation.vmin;
      card.state.vmax = activation.vmax;
      card.state.zeroLevel = activation.zero_level;
      card.state.activation = levelHistogram(activation.data, 64);
      view.repaintCard(activation.id);
      return bytes;
    },
    setClassification(predictions) {
      station.setClassification(predictions);
      const card = outputId ? cards.get(outputId) : undefined;
      if (card) {
        card.state.top = predictions;
        view.repaintCard(outputId);
      }
    },
    setWeights(lid, weights) {
      editCard(lid, (state) => {
        state.weights = weights;
        state.weightsLoading = false;
      });
    },
    setJob(lid, job) {
      editCard(lid, (state) => (state.job = job));
    },
    setFeatureVisChoice(lid, choice) {
      editCard(lid, (state) => (state.featurevis = { ...state.featurevis, ...choice }));
    },
    setCardHover(lid, button) {
      const card = cards.get(lid);
      if (!card || card.state.hover === button) return;
      card.state.hover = button;
      view.repaintCard(lid);
    },
    repaintCard(lid) {
      const card = cards.get(lid);
      if (card) cardAtlas.paint(card.slot, (ctx, w, h) => paintInfoCard(ctx, w, h, card.state));
    },
    placeCard(lid) {
      const panel = panels.get(lid);
      const card = cards.get(lid);
      if (!panel || !card) return;
      const mesh: Mesh = panel.object;
      mesh.updateMatrixWorld();
      const userScale = mesh.scale.x / panel.size.x;
      const cardH = CARD_WORLD.height * userScale;
      // under the panel (the layout keeps ~0.5 m of clearance there), tilted back towards a standing viewer
      const half = (cardH / 2) * Math.cos(TILT_ANGLE);
      const bottom = mesh.position.y - mesh.scale.y / 2;
      const y = Math.max(half + 0.01, bottom - 0.03 - half);
      // a card reaching above the panel's lower edge stands further out, so that its tilted top stays in front
      const out = y + half > bottom ? 0.02 + (cardH / 2) * Math.sin(TILT_ANGLE) : 0.06;
      _p.set(mesh.position.x, y, mesh.position.z + out);
      object.localToWorld(_p);
      _q.copy(mesh.quaternion).multiply(TILT);
      _s.setScalar(userScale);
      card.slot.matrix.copy(_m.compose(_p, _q, _s));
      cardAtlas.place(card.slot);
      placeTitle(texts, card, mesh, userScale);
    },
    panelMoved(lid) {
      view.placeCard(lid);
      edges.update(lid);
      edgeLabels.update(lid);
    },
    setLayerHidden(lid, reason, hidden) {
      const panel = panels.get(lid);
      const card = cards.get(lid);
      if (!panel || !card) return;
      const reasons = hiddenBy.get(lid) ?? new Set<HideReason>();
      if (hidden) reasons.add(reason);
      else reasons.delete(reason);
      hiddenBy.set(lid, reasons);
      const visible = reasons.size === 0;
      if (panel.object.visible === visible) return;
      panel.object.visible = visible;
      card.slot.visible = visible;
      view.placeCard(lid); // the card and the layer's title follow the slot's visibility
    },
    isLayerHidden(lid, reason) {
      const reasons = hiddenBy.get(lid);
      return !!reasons && (reason ? reasons.has(reason) : reasons.size > 0);
    },
    update() {
      station.update();
    },
    dispose() {
      panels.forEach((p) => p.dispose());
      cards.forEach(({ title }) => [title.name, title.shape].forEach((t) => texts.remove(t)));
      edges.dispose();
      station.dispose();
    },
  };
  for (const lid of panels.keys()) {
    view.placeCard(lid);
    view.repaintCard(lid);
  }
  return view;
}

function layerTitle(texts: WorldText, node: GraphNode, height: number): LayerCard['title'] {
  const size = titleSizes(height);
  const params = node.params ? ` · ${formatCount(node.params)} params` : '';
  return {
    name: texts.add(node.name, { size: size.name, bold: true, anchorX: 'center', anchorY: 'bottom' }),
    shape: texts.add(`${node.kind} · ${formatShape(node.shape)} · ${channelsText(node.shape)}${params}`,
      { size: size.shape, color: '#b4c0d2', anchorX: 'center', anchorY: 'bottom' }),
  };
}

/** The title stands on the panel's top edge, in its plane; it hides with the card (fly-to, hidden layers). */
function placeTitle(texts: WorldText, card: LayerCard, mesh: Mesh, userScale: number): void {
  if (!card.slot.visible || !mesh.visible) {
    texts.place(card.title.name, null);
    texts.place(card.title.shape, null);
    return;
  }
  const size = titleSizes(mesh.scale.y / userScale);
  const top = mesh.scale.y / 2 + TITLE_GAP * userScale;
  _s.setScalar(userScale);
  for (const [label, y] of [[card.title.shape, top], [card.title.name, top + size.shape * userScale * 1.1]] as const) {
    _p.set(0, y, 0).applyQuaternion(mesh.quaternion).add(mesh.position);
    mesh.parent?.localToWorld(_p);
    texts.place(label, _m.compose(_p, mesh.getWorldQuaternion(_q), _s));
  }
}

function emptyCard(node: GraphNode, isOutput: boolean): InfoCardState {
  return {
    node, vmin: null, vmax: null, zeroLevel: null, activation: null, weights: null,
    weightsLoading: node.has_weights, top: isOutput ? [] : null, job: null, hover: null,
    mode: 'activations', importance: 'grid', analysis: null, featurevis: { start: 'noise', style: 'paper' },
  };
}

/**
 * Where the input canvas stands: the layout's origin, moved in front of the input panel if that stands there —
 * behind the spot one views the input panel from (the layout's `view_distance`, same field of view), so the canvas
 * never covers it.
 */
export function stationSpot(graph: NetworkGraph): [number, number] {
  const [ox, oz] = graph.layout.origin;
  const input = graph.layout.nodes[graph.nodes[0]?.id ?? 'input'];
  if (!input || Math.abs(input.x - ox) >= input.width / 2 + 0.5 || Math.abs(input.z - oz) >= 1.0) return [ox, oz];
  const tan = Math.tan((34 * Math.PI) / 180) * 0.9;
  const view = Math.max((0.5 + input.height) / 2 / tan, Math.max(input.width, 0.64) / 2 / (tan * 1.6)) * 1.1 + 0.1;
  return [ox, input.z + Math.max(1.4, view + 0.5)];
}
