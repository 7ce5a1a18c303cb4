import { Matrix4, Vector3 } from 'three';
import type { Camera } from 'three';
import type { AppContext } from '../app/context';
import type { LayerVisibility } from '../app/layer-visibility';
import { moduleTree } from '../graph/module-tree';
import type { TreeModule } from '../graph/module-tree';
import type { XRControllerPointer } from '../input/xr-controller-pointer';
import { ROWS_PER_PAGE, WRIST_MENU_WORLD, createWristMenu } from '../scene/wrist-menu';
import type { WristMenuRow, WristTarget } from '../scene/wrist-menu';

/** xr-standard gamepad button 4: X on the left controller (A on the right) */
const TOGGLE_BUTTON = 4;
const ABOVE_WRIST = 0.09; // metres above the left grip, so the left ray (forward) never meets it
const TOWARD_HEAD = 0.04;

const _grip = new Vector3();
const _head = new Vector3();
const _up = new Vector3(0, 1, 0);
const _m = new Matrix4();
const _v = new Vector3();

export interface WristLayerMenu {
  /** once per frame while presenting: follow the left hand, X opens/closes */
  update(left: XRControllerPointer | null): void;
  /** leaving VR: hide it */
  hide(): void;
  readonly debug: ReturnType<typeof menuDebug>;
}

interface Place {
  nid: string;
  path: string;
  page: number;
}

/**
 * The layer tree's per-layer toggles in VR, on the left wrist (X opens and closes it): browse a network's module
 * tree, hide/show a layer or a whole module, show only one stage, branch or layer, show all — the same
 * `LayerVisibility` the desktop's layer tree uses, so both show the same hidden set. Any controller's ray clicks it.
 */
export function createWristLayerMenu(ctx: AppContext, visibility: LayerVisibility, camera: Camera): WristLayerMenu {
  const menu = createWristMenu();
  menu.object.visible = false;
  menu.object.onBeforeRender = () => menu.update();
  ctx.world.scene.add(menu.object);
  const trees = new Map<string, TreeModule>();
  const place: Place = { nid: '', path: '', page: 0 };
  let open = true;
  let wasPressed = false;

  const treeOf = (nid: string): TreeModule | null => {
    const view = ctx.store.views.get(nid);
    if (!view) return null;
    let tree = trees.get(nid);
    if (!tree) trees.set(nid, (tree = moduleTree([...view.panels.values()].map((p) => p.node))));
    return tree;
  };
  const current = () => {
    if (!ctx.store.views.has(place.nid)) Object.assign(place, { nid: ctx.store.views.keys().next().value ?? '', path: '', page: 0 });
    const tree = treeOf(place.nid);
    return tree ? findModule(tree, place.path) ?? tree : null;
  };
  const pageItems = () => {
    const m = current();
    return m ? m.children.slice(place.page * ROWS_PER_PAGE, (place.page + 1) * ROWS_PER_PAGE) : [];
  };
  const layersOf = (i: number): string[] => {
    const item = pageItems()[i];
    return !item ? [] : item.kind === 'layer' ? [item.id] : item.layers;
  };

  const show = () => {
    const m = current();
    const view = ctx.store.views.get(place.nid);
    if (!m || !view) return;
    const rows: WristMenuRow[] = pageItems().map((item) => {
      const layers = item.kind === 'layer' ? [item.id] : item.layers;
      const hidden = layers.filter((lid) => visibility.isHidden(place.nid, lid)).length;
      return {
        label: item.kind === 'layer' ? item.name.split('.').pop() ?? item.name : item.label, kind: item.kind, layers: layers.length,
        hidden: hidden === 0 ? 'none' : hidden === layers.length ? 'all' : 'some',
      };
    });
    menu.setState({ network: view.info.name, path: m.path, rows, page: place.page,
      pages: Math.max(1, Math.ceil(m.children.length / ROWS_PER_PAGE)), networks: ctx.store.views.size });
    ctx.gate.invalidate();
  };

  const press = (target: WristTarget) => {
    const nid = place.nid;
    const m = current();
    if (!m) return;
    if (target.kind === 'showAll') visibility.showAll();
    else if (target.kind === 'back') Object.assign(place, { path: parentPath(treeOf(nid)!, m.path), page: 0 });
    else if (target.kind === 'prev') place.page = Math.max(0, place.page - 1);
    else if (target.kind === 'next') place.page = Math.min(Math.ceil(m.children.length / ROWS_PER_PAGE) - 1, place.page + 1);
    else if (target.kind === 'network') {
      const ids = [...ctx.store.views.keys()];
      Object.assign(place, { nid: ids[(ids.indexOf(nid) + 1) % ids.length], path: '', page: 0 });
    } else {
      const item = pageItems()[target.row];
      const layers = layersOf(target.row);
      if (!item) return;
      if (target.kind === 'only') visibility.only(nid, layers);
      else if (target.kind === 'open' && item.kind === 'module') Object.assign(place, { path: item.path, page: 0 });
      else visibility.set(nid, layers, layers.some((lid) => !visibility.isHidden(nid, lid))); // eye, or a layer's name
    }
    show();
  };

  visibility.onChange(show);
  const at = (uv: { x: number; y: number } | null | undefined) => (uv ? menu.targetAt(uv.x, uv.y) : null);
  ctx.interaction.add(menu.object, {
    hover: (hit) => (menu.setHover(at(hit.uv)), ctx.gate.invalidate()),
    hoverEnd: () => (menu.setHover(null), ctx.gate.invalidate()),
    select(hit) {
      const target = at(hit.uv);
      if (target) press(target);
    },
  });

  const setOpen = (next: boolean) => {
    open = next;
    if (open) show();
  };

  return {
    update(left) {
      const pressed = !!left?.gamepad?.buttons[TOGGLE_BUTTON]?.pressed;
      if (pressed && !wasPressed) setOpen(!open);
      wasPressed = pressed;
      const visible = open && !!left && ctx.store.views.size > 0;
      if (visible && !menu.object.visible) show();
      menu.object.visible = visible;
      if (!visible || !left) return;
      // above the left wrist, a little toward the head, facing it upright (readable whatever the wrist's roll)
      left.grip.updateMatrixWorld();
      _grip.setFromMatrixPosition(left.grip.matrixWorld);
      camera.getWorldPosition(_head);
      _v.copy(_head).sub(_grip).setY(0).normalize();
      menu.object.position.copy(_grip).addScaledVector(_v, TOWARD_HEAD);
      menu.object.position.y += ABOVE_WRIST + WRIST_MENU_WORLD.height / 2;
      menu.object.quaternion.setFromRotationMatrix(_m.lookAt(_head, menu.object.position, _up));
      menu.object.updateMatrixWorld();
      ctx.interaction.invalidate(); // it moved with the hand: the other ray may now hit or miss it
    },
    hide() {
      menu.object.visible = false;
      menu.setHover(null);
    },
    debug: menuDebug(menu, place, () => open, setOpen, press),
  };
}

function findModule(m: TreeModule, path: string): TreeModule | null {
  if (m.path === path) return m;
  for (const c of m.children) {
    if (c.kind !== 'module') continue;
    const found = findModule(c, path);
    if (found) return found;
  }
  return null;
}

/** the path of the module whose row leads to `path` ('' = the root) */
function parentPath(root: TreeModule, path: string): string {
  const walk = (m: TreeModule): string | null => {
    for (const c of m.children) {
      if (c.kind !== 'module') continue;
      if (c.path === path) return m.path;
      const found = walk(c);
      if (found !== null) return found;
    }
    return null;
  };
  return walk(root) ?? '';
}

function menuDebug(menu: ReturnType<typeof createWristMenu>, place: Place, isOpen: () => boolean,
  setOpen: (open: boolean) => void, press: (t: WristTarget) => void) {
  return {
    get open() {
      return isOpen() && menu.object.visible;
    },
    setOpen,
    get place() {
      return { ...place };
    },
    /** the rows shown: label, kind, layers and how many are hidden */
    get rows() {
      return menu.state?.rows ?? [];
    },
    get page() {
      return menu.state ? { page: menu.state.page, pages: menu.state.pages } : null;
    },
    /** world point of a target's centre (the emulated controller aims there), null if the menu has no such target */
    targetWorld(target: WristTarget) {
      const [u, v] = menu.targetUv(target);
      if (Number.isNaN(u)) return null;
      menu.object.updateMatrixWorld();
      return menu.object.localToWorld(_v.set((u - 0.5) * WRIST_MENU_WORLD.width, (v - 0.5) * WRIST_MENU_WORLD.height, 0)).toArray();
    },
    /** the target under panel uv (what a ray hitting there would press) */
    targetAt: (u: number, v: number) => menu.targetAt(u, v),
    press,
  };
}
