import { Mesh, PerspectiveCamera, Vector3 } from 'three';
import { coverFraction } from '../graph/screen-cover';
import type { Vec3 } from '../graph/screen-cover';
import type { AppContext } from './context';
import { layerViewpoint } from './layer-flight';

const CORNERS = [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]];
const _v = new Vector3();

export interface ViewCover {
  lid: string;
  /** the largest share of the layer's screen area one other panel (or input canvas) covers from its fly-to spot */
  worst: number;
  by: string | null;
}

/**
 * For every layer of a network: stand at its fly-to spot and measure how much of its panel each other shown panel
 * covers on screen. Panels that fly-to hides because they stand in the way count as if shown, so this measures
 * the layout, not the hiding (the test of "the next panel is out of the way").
 */
export function coverFromFlySpots(ctx: AppContext, nid: string): ViewCover[] {
  const view = ctx.store.views.get(nid);
  if (!view) return [];
  const cam = ctx.world.camera.clone() as PerspectiveCamera;
  const solids: { name: string; object: Mesh }[] = [];
  for (const v of ctx.store.views.values()) {
    for (const [lid, p] of v.panels) if (!v.isLayerHidden(lid, 'user')) solids.push({ name: `${v.info.id}/${lid}`, object: p.object });
    solids.push({ name: `${v.info.id}/input-station`, object: v.station.object as Mesh });
  }
  ctx.world.scene.updateMatrixWorld(true);
  return [...view.panels].filter(([lid]) => !view.isLayerHidden(lid, 'user')).map(([lid, panel]) => {
    const { eye, target } = layerViewpoint(view, panel, cam.fov, cam.aspect);
    cam.position.copy(eye);
    cam.lookAt(target);
    cam.updateMatrixWorld(true);
    const quadOf = (o: Mesh): Vec3[] => {
      if (!o.geometry.boundingBox) o.geometry.computeBoundingBox();
      const b = o.geometry.boundingBox!;
      return CORNERS.map(([x, y]) => {
        _v.set(b.min.x + (x + 0.5) * (b.max.x - b.min.x), b.min.y + (y + 0.5) * (b.max.y - b.min.y), 0);
        o.localToWorld(_v).applyMatrix4(cam.matrixWorldInverse);
        return [_v.x, _v.y, _v.z] as Vec3;
      });
    };
    const mine = quadOf(panel.object);
    let worst = 0;
    let by: string | null = null;
    for (const s of solids) {
      if (s.object === panel.object) continue;
      const f = coverFraction(mine, quadOf(s.object), cam.near);
      if (f > worst) [worst, by] = [f, s.name];
    }
    return { lid, worst, by };
  });
}
