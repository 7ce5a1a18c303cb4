import { Quaternion, Vector3 } from 'three';
import { withArrangement } from '../graph/arrangement-choice';
import { moduleTree, stagesAndBlocks } from '../graph/module-tree';
import { createModuleGroups } from '../scene/module-groups';
import type { ModuleGroups } from '../scene/module-groups';
import { stationSpot } from '../scene/network-view';
import { createLayerTree } from '../ui/layer-tree';
import { createMinimap } from '../ui/minimap';
import type { AppContext } from './context';
import { layerInView } from './layer-in-view';
import type { LayerInView } from './layer-in-view';
import { createLayerVisibility } from './layer-visibility';
import { coverFromFlySpots } from './view-cover';

const _lastPos = new Vector3(Infinity, 0, 0);
const _lastRot = new Quaternion();
const _dir = new Vector3();

/**
 * Finding one's way in the scene: the layer tree with its per-layer toggles, the minimap with "you are here" and
 * "layer k of N". Created with the app; `sceneBuilt` fills them once the networks are in the scene, `update` runs
 * once per frame (it only works when the camera moved).
 */
export function installOrientation(ctx: AppContext, overlay: HTMLElement) {
  const visibility = createLayerVisibility(ctx);
  const tree = createLayerTree(overlay, {
    isHidden: visibility.isHidden,
    setHidden: visibility.set,
    only: visibility.only,
    showAll: visibility.showAll,
    fly: (nid, lid) => ctx.flyToLayerOf(nid, lid),
    arrange: (nid, arrangement) => location.assign(withArrangement(location.search, nid, arrangement, [...ctx.store.views.keys()])),
  });
  const minimap = createMinimap(overlay, (nid, lid) => ctx.flyToLayerOf(nid, lid));
  let current: LayerInView | null = null;
  const groups = new Map<string, ModuleGroups>();
  const mapScene = () => minimap.setScene(
    [...ctx.store.views.values()].flatMap((view) => [...view.panels].map(([lid, p]) => ({
      nid: view.info.id, lid, x: view.offsetX + p.home.x, z: p.home.z, width: p.size.x,
      hidden: view.isLayerHidden(lid, 'user'),
    }))),
    [...ctx.store.views.values()].map((view) => {
      const [x, z] = stationSpot(view.graph);
      return { name: view.info.name, x: view.offsetX + x, z };
    }),
  );
  visibility.onChange(() => {
    tree.refresh();
    mapScene();
    _lastPos.set(Infinity, 0, 0); // the layer in view may have been hidden
  });
  return {
    visibility, tree, minimap,
    sceneBuilt() {
      const networks = [...ctx.store.views.values()].map((view) => ({
        id: view.info.id, name: view.info.name, arrangement: view.graph.layout.arrangement,
        tree: moduleTree([...view.panels.values()].map((p) => p.node)),
      }));
      tree.setNetworks(networks);
      for (const n of networks) {
        const view = ctx.store.views.get(n.id)!;
        const { stages, blocks } = stagesAndBlocks(n.tree);
        const g = createModuleGroups(view.graph, n.name, view.offsetX, stages, blocks, ctx.labelAtlas);
        ctx.world.scene.add(g.object);
        groups.set(n.id, g);
      }
      mapScene();
    },
    update() {
      const cam = ctx.world.camera;
      if (cam.position.equals(_lastPos) && cam.quaternion.equals(_lastRot)) return;
      _lastPos.copy(cam.position);
      _lastRot.copy(cam.quaternion);
      current = layerInView(ctx);
      cam.getWorldDirection(_dir);
      minimap.setCamera(cam.position.x, cam.position.z, Math.atan2(-_dir.x, -_dir.z), current);
      tree.setCurrent(current?.nid ?? null, current?.lid ?? null);
    },
    /** for the debug API: the tree's rows and the hidden layers */
    debug: {
      treeLayers: () => [...overlay.querySelectorAll<HTMLElement>('.lw-tree-layer')].map((r) => `${r.dataset.nid}/${r.dataset.lid}`),
      hidden: (nid = 'n0') => visibility.hidden(nid),
      setHidden: (lids: string[], hidden: boolean, nid = 'n0') => visibility.set(nid, lids, hidden),
      openTree: (open = true) => tree.toggle(open),
      get current() {
        return current;
      },
      get marker() {
        return minimap.marker;
      },
      /** per layer: the most of its panel another panel covers from its fly-to spot (see view-cover.ts) */
      coverFromFlySpots: (nid = 'n0') => coverFromFlySpots(ctx, nid),
      /** the stage, block and network labels of a network: text, kind and world centre */
      groupLabels: (nid = 'n0') => (groups.get(nid)?.labels ?? []).map((l) => ({
        text: l.text, kind: l.kind, at: [l.slot.matrix.elements[12], l.slot.matrix.elements[13], l.slot.matrix.elements[14]],
      })),
      /** page position of a floor point on the minimap */
      mapPoint: (x: number, z: number) => minimap.pagePoint(x, z),
    },
  };
}

export type Orientation = ReturnType<typeof installOrientation>;
