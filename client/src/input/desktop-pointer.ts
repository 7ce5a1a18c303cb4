import { Camera, Quaternion, Ray, Vector2, Vector3 } from 'three';
import type { Pointer } from './pointer';
import { PointerEmitter } from './pointer-emitter';

const _ndc = new Vector2();
const _forward = new Vector3();
const _right = new Vector3();
const _down = new Vector3();

/**
 * The mouse as a Pointer: the ray goes through the mouse position, or through the screen centre (crosshair)
 * while the pointer is locked for mouse look. Left button = select, wheel = scale.
 */
export class DesktopPointer extends PointerEmitter implements Pointer {
  readonly id = 'desktop';
  readonly kind = 'desktop' as const;
  readonly ray = new Ray();
  active = false;
  private readonly mouse = new Vector2();

  constructor(
    private readonly camera: Camera,
    private readonly element: HTMLElement,
  ) {
    super();
    this.listen('pointermove', (e: PointerEvent) => this.onMove(e));
    this.listen('pointerleave', () => (this.active = this.locked));
    this.listen('pointerdown', (e: PointerEvent) => e.button === 0 && this.emit({ type: 'selectstart', pointer: this }));
    this.listen('pointerup', (e: PointerEvent) => e.button === 0 && this.emit({ type: 'selectend', pointer: this }));
    this.listen('wheel', (e: WheelEvent) => this.emit({ type: 'scale', pointer: this, factor: Math.exp(-e.deltaY * 0.001) }), { passive: true });
  }

  get locked(): boolean {
    return document.pointerLockElement === this.element;
  }

  update(): void {
    if (this.locked) _ndc.set(0, 0);
    else _ndc.set((this.mouse.x / this.element.clientWidth) * 2 - 1, -(this.mouse.y / this.element.clientHeight) * 2 + 1);
    this.ray.origin.setFromMatrixPosition(this.camera.matrixWorld);
    this.ray.direction.set(_ndc.x, _ndc.y, 0.5).unproject(this.camera).sub(this.ray.origin).normalize();
    if (this.locked) this.active = true;
  }

  carryPose(position: Vector3, quaternion: Quaternion): void {
    this.camera.getWorldQuaternion(quaternion);
    _forward.set(0, 0, -1).applyQuaternion(quaternion);
    _right.set(1, 0, 0).applyQuaternion(quaternion);
    _down.set(0, -1, 0).applyQuaternion(quaternion);
    // slightly below-right of the aim so the carried image does not hide what it is dropped on
    position.copy(this.ray.origin).addScaledVector(this.ray.direction, 0.9).addScaledVector(_right, 0.12).addScaledVector(_down, 0.1);
  }

  screenPosition(): { x: number; y: number } | null {
    const rect = this.element.getBoundingClientRect();
    if (this.locked) return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
    return { x: rect.left + this.mouse.x, y: rect.top + this.mouse.y };
  }

  /** Move the mouse programmatically (tests, benchmarks): client pixels relative to the canvas. */
  setMouse(x: number, y: number): void {
    this.mouse.set(x, y);
    this.active = true;
  }

  private onMove(e: PointerEvent): void {
    const rect = this.element.getBoundingClientRect();
    this.mouse.set(e.clientX - rect.left, e.clientY - rect.top);
    this.active = true;
  }

  private listen<K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions): void {
    this.element.addEventListener(type, fn as EventListener, opts);
    this.onDispose(() => this.element.removeEventListener(type, fn as EventListener, opts));
  }
}
