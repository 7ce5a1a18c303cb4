import {
  BoxGeometry, BufferGeometry, ConeGeometry, Float32BufferAttribute, Group, Line, LineBasicMaterial, Mesh,
  MeshBasicMaterial, OctahedronGeometry,
} from 'three';
import type { XRControllerPointer } from '../input/xr-controller-pointer';

export interface ControllerTool {
  /** ray length in metres (to the hovered hit, or the default reach); once per frame */
  update(hitDistance: number | null): void;
  dispose(): void;
}

const REACH = 6;
const bodyGeometry = new BoxGeometry(0.028, 0.028, 0.11).translate(0, -0.01, 0.03);
const tipGeometry = new ConeGeometry(0.012, 0.035, 12).rotateX(-Math.PI / 2).translate(0, 0, -0.04);
const dotGeometry = new OctahedronGeometry(0.008);
const rayGeometry = new BufferGeometry().setAttribute('position', new Float32BufferAttribute([0, 0, 0, 0, 0, -1], 3));

/**
 * What the user holds: the handheld tool (paper §3.3.2) drawn at the grip, no controller models to download, and
 * the pointing ray from the target-ray space with a dot where it hits. Unlit; five small draws per hand.
 */
export function createControllerTool(pointer: XRControllerPointer): ControllerTool {
  const bodyMaterial = new MeshBasicMaterial({ color: 0x3d4a62 });
  const accent = new MeshBasicMaterial({ color: 0xffb454 });
  const rayMaterial = new LineBasicMaterial({ color: 0xffb454, transparent: true, opacity: 0.7 });
  const tool = new Group();
  tool.name = `tool:${pointer.id}`;
  tool.add(new Mesh(bodyGeometry, bodyMaterial), new Mesh(tipGeometry, accent));
  pointer.grip.add(tool);
  const ray = new Line(rayGeometry, rayMaterial);
  ray.name = `ray:${pointer.id}`;
  ray.frustumCulled = false;
  const dot = new Mesh(dotGeometry, accent);
  dot.name = `reticle:${pointer.id}`;
  pointer.targetRay.add(ray, dot);
  return {
    update(hitDistance) {
      const visible = pointer.connected;
      ray.visible = tool.visible = visible;
      dot.visible = visible && hitDistance !== null;
      const length = hitDistance ?? REACH;
      ray.scale.z = length;
      dot.position.z = -length;
      rayMaterial.color.set(hitDistance !== null ? 0xffb454 : 0x93a0b4);
    },
    dispose() {
      pointer.grip.remove(tool);
      pointer.targetRay.remove(ray, dot);
      bodyMaterial.dispose();
      accent.dispose();
      rayMaterial.dispose();
    },
  };
}
