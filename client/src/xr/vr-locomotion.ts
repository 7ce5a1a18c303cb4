import {
  BufferAttribute, BufferGeometry, Euler, Group, Line, LineBasicMaterial, Mesh, MeshBasicMaterial, RingGeometry, Vector3,
} from 'three';
import type { PerspectiveCamera } from 'three';
import type { XRControllerPointer } from '../input/xr-controller-pointer';
import { createComfortVignette } from './comfort-vignette';
import { teleportArc } from './teleport-arc';

const _head = new Vector3();
const _forward = new Vector3();
const _right = new Vector3();
const _v = new Vector3();
const UP = new Vector3(0, 1, 0);
const _euler = new Euler(0, 0, 0, 'YXZ');

export const SNAP_ANGLE = Math.PI / 6;
const MOVE_SPEED = 2; // m/s at full stick
const ARC_SAMPLES = 24;

export interface VrLocomotion {
  /** the tracking origin in the world: the camera and the controllers are its children */
  readonly rig: Group;
  /** left stick: smooth movement; right stick: snap turn (x), teleport arc (hold forward, release) */
  update(dt: number, move: XRControllerPointer | null, turn: XRControllerPointer | null): void;
  snapTurn(direction: 1 | -1): void;
  /** move the rig so that the head stands above (x, z) */
  teleportTo(x: number, z: number): void;
  /** a fly-to in VR: the head stands above `position` (the user stays on the floor), turned to face `lookAt` */
  standAt(position: Vector3, lookAt: Vector3): void;
  readonly aiming: boolean;
  dispose(): void;
}

/**
 * VR locomotion on the rig (a Group standing on the floor): smooth movement in the head's direction, snap turns
 * about the head, and a teleport arc with a landing ring. The comfort vignette dims the periphery while moving.
 */
export function createVrLocomotion(camera: PerspectiveCamera, options: { vignette?: boolean } = {}): VrLocomotion {
  const rig = new Group();
  rig.name = 'vr-rig';
  const vignette = createComfortVignette(camera, options.vignette ?? true);
  const arc = createArcVisual();
  rig.add(arc.line, arc.ring); // rig-local: drawn where the controller is
  let turnArmed = true;
  let aiming = false;
  let landing: Vector3 | null = null;

  const headWorld = (out: Vector3) => out.setFromMatrixPosition(camera.matrixWorld);

  const loco: VrLocomotion = {
    rig,
    get aiming() {
      return aiming;
    },
    update(dt, move, turn) {
      let motion = 0;
      const m = move && !move.squeezing ? move.stick() : { x: 0, y: 0 };
      if (m.x || m.y) {
        camera.getWorldDirection(_forward).setY(0).normalize();
        _right.crossVectors(_forward, UP);
        rig.position.addScaledVector(_forward, -m.y * MOVE_SPEED * dt).addScaledVector(_right, m.x * MOVE_SPEED * dt);
        motion = Math.min(1, Math.hypot(m.x, m.y));
      }
      const t = turn && !turn.squeezing ? turn.stick() : { x: 0, y: 0 };
      if (Math.abs(t.x) > 0.7 && turnArmed && !aiming) {
        loco.snapTurn(t.x > 0 ? 1 : -1);
        turnArmed = false;
        motion = 1;
      } else if (Math.abs(t.x) < 0.3) turnArmed = true;
      if (turn && t.y < -0.7) {
        aiming = true;
        landing = arc.aim(turn, rig);
      } else if (aiming && t.y > -0.3) {
        aiming = false;
        arc.hide();
        if (landing) loco.teleportTo(landing.x, landing.z);
        landing = null;
      }
      vignette.setStrength(motion * 0.8, dt);
      rig.updateMatrixWorld(true);
    },
    snapTurn(direction) {
      headWorld(_head);
      // rotate about the vertical through the head, so the world turns around the user and not the rig origin
      _v.copy(rig.position).sub(_head).applyAxisAngle(UP, -direction * SNAP_ANGLE);
      rig.position.set(_head.x + _v.x, rig.position.y, _head.z + _v.z);
      rig.rotation.y -= direction * SNAP_ANGLE;
      rig.updateMatrixWorld(true);
    },
    teleportTo(x, z) {
      headWorld(_head);
      rig.position.x += x - _head.x;
      rig.position.z += z - _head.z;
      rig.updateMatrixWorld(true);
    },
    standAt(position, lookAt) {
      // turn the rig so that the head, wherever it looks within the rig, ends up facing the target (a jump, not a
      // glide: moving the view without the user moving makes people sick)
      _euler.setFromQuaternion(camera.quaternion, 'YXZ');
      rig.rotation.y = Math.atan2(position.x - lookAt.x, position.z - lookAt.z) - _euler.y;
      rig.updateMatrixWorld(true);
      loco.teleportTo(position.x, position.z);
    },
    dispose() {
      vignette.dispose();
      arc.dispose();
    },
  };
  return loco;
}

/** The arc line and the landing ring, both rig-local. */
function createArcVisual() {
  const positions = new Float32Array((ARC_SAMPLES + 1) * 3);
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(positions, 3));
  const line = new Line(geometry, new LineBasicMaterial({ color: 0x58c4dc }));
  line.name = 'teleport-arc';
  line.frustumCulled = false;
  line.visible = false;
  const ring = new Mesh(new RingGeometry(0.22, 0.3, 32).rotateX(-Math.PI / 2), new MeshBasicMaterial({ color: 0x58c4dc }));
  ring.name = 'teleport-target';
  ring.visible = false;
  const origin = new Vector3();
  const dir = new Vector3();
  const world = new Vector3();
  return {
    line, ring,
    /** draw the arc from the controller; returns the world landing point, or null */
    aim(pointer: XRControllerPointer, rig: Group): Vector3 | null {
      origin.copy(pointer.ray.origin);
      dir.copy(pointer.ray.direction);
      const { points, landing } = teleportArc([origin.x, origin.y, origin.z], [dir.x, dir.y, dir.z]);
      for (let i = 0; i < points.length; i += 3) {
        rig.worldToLocal(world.set(points[i], points[i + 1], points[i + 2])).toArray(positions, i);
      }
      geometry.attributes.position.needsUpdate = true;
      line.visible = true;
      (line.material as LineBasicMaterial).color.set(landing ? 0x58c4dc : 0xff6b6b);
      ring.visible = landing !== null;
      if (!landing) return null;
      rig.worldToLocal(ring.position.set(landing[0], 0.01, landing[2]));
      return world.set(landing[0], 0, landing[2]);
    },
    hide() {
      line.visible = ring.visible = false;
    },
    dispose() {
      geometry.dispose();
      ring.geometry.dispose();
    },
  };
}
