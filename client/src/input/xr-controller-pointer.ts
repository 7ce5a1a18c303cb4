import { Matrix4, Quaternion, Ray, Vector3 } from 'three';
import type { Camera, Object3D, WebXRManager, XRTargetRaySpace, XRGripSpace } from 'three';
import type { Pointer, PointerEventType } from './pointer';
import { PointerEmitter } from './pointer-emitter';

const _head = new Vector3();
const _up = new Vector3();
const _m = new Matrix4();
const FORWARD = new Vector3(0, 0, -1);

/** Thumbstick deflection below this counts as centred (stick drift on worn controllers). */
export const STICK_DEADZONE = 0.15;

/**
 * One XR controller as a Pointer: the ray comes from the controller's target-ray space, trigger = select,
 * grip = squeeze; the carried image floats above the grip, turned towards the head. The gamepad (thumbstick) is
 * exposed for locomotion and for scaling a held panel. Until the controller is connected the pointer is inactive.
 */
export class XRControllerPointer extends PointerEmitter implements Pointer {
  readonly kind = 'xr' as const;
  readonly ray = new Ray();
  readonly targetRay: XRTargetRaySpace;
  readonly grip: XRGripSpace;
  handedness: XRHandedness | 'none' = 'none';
  gamepad: Gamepad | null = null;
  connected = false;
  /** select / squeeze currently held (tests and locomotion read these) */
  selecting = false;
  squeezing = false;

  constructor(
    readonly id: string,
    xr: WebXRManager,
    index: number,
    private readonly camera: Camera,
  ) {
    super();
    this.targetRay = xr.getController(index);
    this.grip = xr.getControllerGrip(index);
    this.on(this.targetRay, 'connected', (e) => this.onConnected(e.data as XRInputSource));
    this.on(this.targetRay, 'disconnected', () => this.onDisconnected());
    this.on(this.targetRay, 'selectstart', () => this.press('selectstart'));
    this.on(this.targetRay, 'selectend', () => this.press('selectend'));
    this.on(this.targetRay, 'squeezestart', () => this.press('squeezestart'));
    this.on(this.targetRay, 'squeezeend', () => this.press('squeezeend'));
  }

  get active(): boolean {
    return this.connected;
  }

  update(): void {
    this.targetRay.updateMatrixWorld();
    this.ray.origin.setFromMatrixPosition(this.targetRay.matrixWorld);
    this.ray.direction.copy(FORWARD).transformDirection(this.targetRay.matrixWorld);
  }

  /** Thumbstick (x right, y forward = negative, as the WebXR gamepad reports it), zero inside the dead zone. */
  stick(): { x: number; y: number } {
    const axes = this.gamepad?.axes;
    if (!axes || axes.length < 4) return { x: 0, y: 0 };
    const dead = (v: number) => (Math.abs(v) < STICK_DEADZONE ? 0 : v);
    return { x: dead(axes[2]), y: dead(axes[3]) };
  }

  /** Emit a scale event (thumbstick while holding a panel, two-hand grip). */
  scale(factor: number): void {
    this.emit({ type: 'scale', pointer: this, factor });
  }

  carryPose(position: Vector3, quaternion: Quaternion): void {
    this.grip.updateMatrixWorld();
    const anchor = this.connected ? this.grip : this.targetRay;
    position.setFromMatrixPosition(anchor.matrixWorld);
    _up.set(0, 1, 0).transformDirection(anchor.matrixWorld);
    // 13 cm above the tool, a little forward: in view but not in the way of the ray
    position.addScaledVector(_up, 0.13).addScaledVector(this.ray.direction, 0.04);
    // the hologram turns its face (+z) to the head, upright
    _head.setFromMatrixPosition(this.camera.matrixWorld);
    quaternion.setFromRotationMatrix(_m.lookAt(_head, position, _up.set(0, 1, 0)));
  }

  screenPosition(): null {
    return null;
  }

  private onConnected(source: XRInputSource): void {
    this.connected = true;
    this.handedness = source.handedness;
    this.gamepad = source.gamepad ?? null;
  }

  private onDisconnected(): void {
    if (this.selecting || this.squeezing) this.emit({ type: 'cancel', pointer: this });
    this.connected = this.selecting = this.squeezing = false;
    this.gamepad = null;
  }

  private press(type: PointerEventType): void {
    if (type === 'selectstart' || type === 'selectend') this.selecting = type === 'selectstart';
    else this.squeezing = type === 'squeezestart';
    this.emit({ type, pointer: this });
  }

  private on(target: Object3D, type: string, fn: (e: { data?: unknown }) => void): void {
    const t = target as unknown as {
      addEventListener(type: string, fn: (e: { data?: unknown }) => void): void;
      removeEventListener(type: string, fn: (e: { data?: unknown }) => void): void;
    };
    t.addEventListener(type, fn);
    this.onDispose(() => t.removeEventListener(type, fn));
  }
}
