import { Euler, PerspectiveCamera, Vector3 } from 'three';

const _move = new Vector3();
const _forward = new Vector3();
const _right = new Vector3();
const _euler = new Euler(0, 0, 0, 'YXZ');

/** Keys (KeyboardEvent.code) → movement. Documented in the help overlay. */
const KEYS: Record<string, [number, number, number]> = {
  KeyW: [0, 0, 1], ArrowUp: [0, 0, 1], KeyS: [0, 0, -1], ArrowDown: [0, 0, -1],
  KeyA: [-1, 0, 0], ArrowLeft: [-1, 0, 0], KeyD: [1, 0, 0], ArrowRight: [1, 0, 0],
  Space: [0, 1, 0], KeyE: [0, 1, 0], KeyQ: [0, -1, 0], KeyC: [0, -1, 0],
};

export interface DesktopLocomotion {
  update(dt: number): void;
  /** glide the camera to a position, looking at a target */
  flyTo(position: Vector3, lookAt: Vector3): void;
  readonly flying: boolean;
  /** end a glide without moving the camera and say where it was going (in VR the rig goes there instead) */
  takeFlight(): { position: Vector3; lookAt: Vector3 } | null;
  /** end a glide at once, at its destination (tests measure the views of many fly-to spots) */
  land(): void;
  /** take yaw and pitch from the camera after it was placed from outside */
  syncFromCamera(): void;
  dispose(): void;
}

/**
 * First-person movement: WASD/arrows walk on the horizontal plane, Space/E up, Q/C down, Shift runs; mouse look
 * while the pointer is locked (click empty space) or while dragging with the right mouse button.
 */
export function createDesktopLocomotion(camera: PerspectiveCamera, element: HTMLElement, speed = 3): DesktopLocomotion {
  const down = new Set<string>();
  let yaw = 0;
  let pitch = 0;
  let run = false;
  let rightDrag = false;
  let flight: { from: Vector3; to: Vector3; lookAt: Vector3; yaw0: number; pitch0: number; yaw1: number; pitch1: number; t: number } | null = null;
  _euler.setFromQuaternion(camera.quaternion, 'YXZ');
  yaw = _euler.y;
  pitch = _euler.x;

  const typing = (e: KeyboardEvent) => e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
  const onKeyDown = (e: KeyboardEvent) => {
    if (typing(e)) return;
    run = e.shiftKey;
    if (KEYS[e.code]) {
      down.add(e.code);
      flight = null;
      e.preventDefault();
    }
  };
  const onKeyUp = (e: KeyboardEvent) => {
    run = e.shiftKey;
    down.delete(e.code);
  };
  const onMouseMove = (e: MouseEvent) => {
    if (document.pointerLockElement !== element && !rightDrag) return;
    yaw -= e.movementX * 0.0025;
    pitch = Math.max(-1.5, Math.min(1.5, pitch - e.movementY * 0.0025));
    flight = null;
  };
  const onMouseDown = (e: MouseEvent) => {
    if (e.button === 2) rightDrag = true;
  };
  const onMouseUp = (e: MouseEvent) => {
    if (e.button === 2) rightDrag = false;
  };
  const onContextMenu = (e: Event) => e.preventDefault();
  const onBlur = () => down.clear();
  const listeners: [EventTarget, string, (e: never) => void][] = [
    [window, 'keydown', onKeyDown], [window, 'keyup', onKeyUp], [window, 'blur', onBlur],
    [document, 'mousemove', onMouseMove], [element, 'mousedown', onMouseDown], [window, 'mouseup', onMouseUp],
    [element, 'contextmenu', onContextMenu],
  ];
  for (const [target, type, fn] of listeners) target.addEventListener(type, fn as EventListener);

  const applyRotation = () => {
    _euler.set(pitch, yaw, 0, 'YXZ');
    camera.quaternion.setFromEuler(_euler);
  };

  return {
    get flying() {
      return flight !== null;
    },
    update(dt: number) {
      if (flight) {
        flight.t = Math.min(1, flight.t + dt / 1.2);
        const k = flight.t * flight.t * (3 - 2 * flight.t);
        camera.position.lerpVectors(flight.from, flight.to, k);
        yaw = flight.yaw0 + (flight.yaw1 - flight.yaw0) * k;
        pitch = flight.pitch0 + (flight.pitch1 - flight.pitch0) * k;
        applyRotation();
        if (flight.t >= 1) flight = null;
        return;
      }
      _move.set(0, 0, 0);
      for (const code of down) {
        const k = KEYS[code];
        _move.x += k[0];
        _move.y += k[1];
        _move.z += k[2];
      }
      applyRotation();
      if (_move.lengthSq() === 0) return;
      _forward.set(-Math.sin(yaw), 0, -Math.cos(yaw));
      _right.set(Math.cos(yaw), 0, -Math.sin(yaw));
      const step = speed * (run ? 3 : 1) * dt;
      camera.position.addScaledVector(_forward, _move.z * step).addScaledVector(_right, _move.x * step);
      camera.position.y = Math.max(0.3, camera.position.y + _move.y * step);
    },
    syncFromCamera() {
      _euler.setFromQuaternion(camera.quaternion, 'YXZ');
      yaw = _euler.y;
      pitch = _euler.x;
    },
    takeFlight() {
      const taken = flight && { position: flight.to, lookAt: flight.lookAt };
      flight = null;
      return taken;
    },
    land() {
      if (!flight) return;
      flight.t = 1;
      this.update(0);
    },
    flyTo(position: Vector3, lookAt: Vector3) {
      const dx = lookAt.x - position.x;
      const dy = lookAt.y - position.y;
      const dz = lookAt.z - position.z;
      let yaw1 = Math.atan2(-dx, -dz);
      while (yaw1 - yaw > Math.PI) yaw1 -= 2 * Math.PI;
      while (yaw1 - yaw < -Math.PI) yaw1 += 2 * Math.PI;
      const pitch1 = Math.atan2(dy, Math.hypot(dx, dz));
      flight = { from: camera.position.clone(), to: position.clone(), lookAt: lookAt.clone(), yaw0: yaw, pitch0: pitch, yaw1, pitch1, t: 0 };
    },
    dispose() {
      for (const [target, type, fn] of listeners) target.removeEventListener(type, fn as EventListener);
    },
  };
}
