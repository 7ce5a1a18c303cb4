import { Box3, Vector3 } from 'three';
import type { Object3D } from 'three';
import { blocksView, fitDistance } from '../graph/view-fit';
import type { LayerPanel } from '../scene/layer-panel';
import { titleSizes } from '../scene/network-view';
import type { NetworkView } from '../scene/network-view';
import type { AppContext } from './context';

/** a standing viewer's eye height: lower layers are looked at from here, a little from above */
const EYE_HEIGHT = 1.2;
/** the framed layer fills at most this share of the view's height or width */
const MARGIN = 0.9;
/** metres the camera must leave the fly-to spot before the panels hidden for the view come back */
const MOVED_AWAY = 0.3;
const _head = new Vector3();

export interface LayerFlight {
  /** Fly to the first layer whose name or id matches (exact, then prefix, then substring); false if none does. */
  flyTo(query: string): boolean;
  /** Fly to one layer of one network (the layer tree, the minimap); false if there is no such panel. */
  flyToLayerOf(nid: string, lid: string): boolean;
  /** If the camera stands at (or flies to) the fly-to spot of layer `lid` of network `nid`, fly there again: what
   * belongs to the layer changed (a feature visualization result appeared beside it). */
  reframe(nid: string, lid: string): void;
  /** Once per frame: shows the hidden panels again once the camera (in VR: the head, on the floor plan) left the spot. */
  update(presenting: boolean): void;
}

/** what stands in the way of the view: a layer of a network, or a network's input canvas */
type Hidden = { view: NetworkView; lid: string } | { view: NetworkView; station: Object3D };

/** What else stands with a layer and must be in view at its fly-to spot (its feature visualization results). */
export type LayerExtras = (view: NetworkView, lid: string) => Object3D | null;

/**
 * Fly-to for layers: the camera stops where the whole panel, its card and its extras fit the field of view. Layers
 * stand one behind another on the conveyor, so from there the panels in front usually stand in the way: they are
 * hidden while the camera stays at that spot.
 */
export function createLayerFlight(ctx: AppContext, extras: LayerExtras = () => null): LayerFlight {
  const cam = ctx.world.camera;
  let eye: Vector3 | null = null;
  let at: { view: NetworkView; panel: LayerPanel } | null = null;
  let hidden: Hidden[] = [];

  const show = (on: boolean) => {
    for (const h of hidden) {
      if ('lid' in h) h.view.setLayerHidden(h.lid, 'view', !on);
      else h.station.visible = on;
    }
    ctx.interaction.invalidate();
  };
  const release = () => {
    show(true);
    hidden = [];
    eye = null;
    at = null;
  };

  return {
    flyTo(query) {
      const match = findLayer(ctx, query);
      return !!match && flyToPanel(match.view, match.panel);
    },
    flyToLayerOf(nid, lid) {
      const view = ctx.store.views.get(nid);
      const panel = view?.panels.get(lid);
      return !!view && !!panel && flyToPanel(view, panel);
    },
    reframe(nid, lid) {
      if (at && at.view.info.id === nid && at.panel.node.id === lid) flyToPanel(at.view, at.panel);
    },
    update(presenting) {
      if (!eye || (!presenting && ctx.locomotion.flying)) return;
      cam.getWorldPosition(_head);
      if (presenting) _head.y = eye.y; // VR mode stands the user on the floor below the spot
      if (_head.distanceToSquared(eye) > MOVED_AWAY ** 2) release();
    },
  };

  function flyToPanel(view: NetworkView, panel: LayerPanel): boolean {
    release();
    const box = layerBox(view, panel, extras(view, panel.node.id));
    const target = box.getCenter(new Vector3());
    eye = viewpoint(box, target, cam.fov, cam.aspect);
    at = { view, panel };
    hidden = inTheWay(view, panel, eye, box);
    show(false);
    ctx.locomotion.flyTo(eye, target);
    return true;
  }
}

/** Where fly-to puts the camera for a layer's panel and card (without its extras), looking at `target`. */
export function layerViewpoint(view: NetworkView, panel: LayerPanel, fov: number, aspect: number): { eye: Vector3; target: Vector3 } {
  const box = layerBox(view, panel, null);
  const target = box.getCenter(new Vector3());
  return { eye: viewpoint(box, target, fov, aspect), target };
}

function findLayer(ctx: AppContext, query: string): { view: NetworkView; panel: LayerPanel } | null {
  const q = query.toLowerCase();
  if (!q) return null;
  const all = [...ctx.store.views.values()].flatMap((view) => [...view.panels.values()].map((panel) => ({ view, panel })));
  const name = ({ panel }: { panel: LayerPanel }) => panel.node.name.toLowerCase();
  return all.find((m) => name(m) === q || m.panel.node.id.toLowerCase() === q) ??
    all.find((m) => name(m).startsWith(q)) ?? all.find((m) => name(m).includes(q)) ?? null;
}

/** World box of a layer's panel, its title (over it), its info card (under it, tilted towards the viewer) and its extras. */
function layerBox(view: NetworkView, panel: LayerPanel, extra: Object3D | null = null): Box3 {
  const box = new Box3().setFromObject(panel.object);
  box.max.y += titleSizes(panel.size.y).total * (panel.object.scale.x / panel.size.x);
  if (extra) box.union(new Box3().setFromObject(extra));
  const slot = view.cards.get(panel.node.id)?.slot;
  if (slot) {
    const corner = new Vector3();
    for (const [x, y] of [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]]) {
      box.expandByPoint(corner.set(x * slot.width, y * slot.height, 0).applyMatrix4(slot.matrix));
    }
  }
  return box;
}

/** Where the camera sees the whole box: straight on, or from eye height looking down at low layers. */
function viewpoint(box: Box3, target: Vector3, fov: number, aspect: number): Vector3 {
  const tanV = Math.tan(((fov / 2) * Math.PI) / 180) * MARGIN;
  const tanH = tanV * aspect;
  const corners = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => new Vector3(
    i & 1 ? box.max.x : box.min.x, i & 2 ? box.max.y : box.min.y, i & 4 ? box.max.z : box.min.z));
  const straight = fitDistance(corners, target, 0, tanV, tanH);
  const elevation = target.y < EYE_HEIGHT ? Math.atan2(EYE_HEIGHT - target.y, straight) : 0;
  const d = Math.max(0.8, fitDistance(corners, target, elevation, tanV, tanH));
  return new Vector3(target.x, target.y + d * Math.sin(elevation), target.z + d * Math.cos(elevation));
}

/** The other panels of the network (with their cards) and its input canvas that stand between the eye and the layer. */
function inTheWay(view: NetworkView, panel: LayerPanel, eye: Vector3, box: Box3): Hidden[] {
  const found: Hidden[] = [];
  for (const [lid, p] of view.panels) {
    if (p !== panel && blocksView(eye, box, layerBox(view, p))) found.push({ view, lid });
  }
  if (blocksView(eye, box, new Box3().setFromObject(view.station.object))) found.push({ view, station: view.station.object });
  return found;
}
