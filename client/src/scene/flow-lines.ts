import { BufferAttribute, BufferGeometry, LineBasicMaterial, LineSegments } from 'three';
import type { Vector3 } from 'three';

/** One route of the activity flow: from the selected tile to a tile it drives, coloured by the sign. */
export interface FlowRoute {
  from: Vector3;
  to: Vector3;
  /** −1…1: positive drives the target up, negative down; |weight| sets the brightness */
  weight: number;
}

/** The activity flow's routes in 3D: every line in ONE LineSegments (one draw call, whatever their number). */
export interface FlowLines {
  readonly object: LineSegments;
  readonly segments: number;
  show(routes: readonly FlowRoute[]): void;
  dispose(): void;
}

const UP = [0.44, 0.82, 0.55]; // green (the highlight frames' colour): drives up
const DOWN = [0.31, 0.55, 1.0]; // the negative colour: drives down

export function createFlowLines(): FlowLines {
  const geometry = new BufferGeometry();
  const object = new LineSegments(geometry, new LineBasicMaterial({ vertexColors: true, transparent: true, depthTest: false }));
  object.name = 'flow-lines';
  object.renderOrder = 11;
  object.frustumCulled = false;
  object.visible = false;
  let segments = 0;
  return {
    object,
    get segments() {
      return segments;
    },
    show(routes) {
      const positions = new Float32Array(routes.length * 6);
      const colors = new Float32Array(routes.length * 6);
      routes.forEach((r, i) => {
        positions.set([r.from.x, r.from.y, r.from.z, r.to.x, r.to.y, r.to.z], i * 6);
        const c = r.weight >= 0 ? UP : DOWN;
        const k = 0.25 + 0.75 * Math.min(1, Math.abs(r.weight)); // dim, not invisible: a weak route is still a route
        colors.set([c[0], c[1], c[2], c[0] * k, c[1] * k, c[2] * k], i * 6); // bright at the selected tile
      });
      geometry.setAttribute('position', new BufferAttribute(positions, 3));
      geometry.setAttribute('color', new BufferAttribute(colors, 3));
      segments = routes.length;
      object.visible = segments > 0;
    },
    dispose() {
      geometry.dispose();
      (object.material as LineBasicMaterial).dispose();
    },
  };
}
