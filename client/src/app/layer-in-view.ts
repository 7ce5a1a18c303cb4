import { Vector3 } from 'three';
import type { AppContext } from './context';

const _forward = new Vector3();
const _to = new Vector3();
/** a layer counts as looked at within this angle of the view's centre (tangent) */
const CONE = Math.tan((25 * Math.PI) / 180);

export interface LayerInView {
  nid: string;
  lid: string;
  /** 1-based rank of the layer in its network's graph order, and the number of layers */
  k: number;
  n: number;
  name: string;
}

/** The shown layer the camera looks at: the nearest panel close to the centre of the view, or null. */
export function layerInView(ctx: AppContext): LayerInView | null {
  const cam = ctx.world.camera;
  cam.getWorldDirection(_forward);
  let best: LayerInView | null = null;
  let bestScore = Infinity;
  for (const view of ctx.store.views.values()) {
    let k = 0;
    for (const [lid, panel] of view.panels) {
      k++;
      if (!panel.object.visible) continue;
      _to.copy(panel.object.position);
      _to.x += view.offsetX;
      _to.sub(cam.position);
      const along = _to.dot(_forward);
      if (along < 0.2) continue;
      const off = Math.sqrt(Math.max(0, _to.lengthSq() - along * along)) / along;
      if (off > CONE) continue;
      const score = along * (1 + 3 * off);
      if (score < bestScore) {
        bestScore = score;
        best = { nid: view.info.id, lid, k, n: view.panels.size, name: panel.node.name };
      }
    }
  }
  return best;
}
