import { Object3D, Ray, Raycaster, Vector2, Vector3 } from 'three';
import type { Intersection } from 'three';
import { CAMERA_NEAR } from '../scene/world';
import type { Pointer, PointerEvent3D } from './pointer';

export interface PointerHit {
  pointer: Pointer;
  object: Object3D;
  point: Vector3;
  uv: Vector2 | null;
  faceIndex: number | null;
  distance: number;
}

/** Handlers a scene object offers to pointers. All optional; one raycaster finds them for every pointer. */
export interface Interactive {
  hover?(hit: PointerHit): void;
  hoverEnd?(pointer: Pointer): void;
  /** a click: select pressed and released without dragging */
  select?(hit: PointerHit): void;
  /** return false to refuse the drag (the press then stays a click) */
  dragStart?(hit: PointerHit): boolean;
  drag?(pointer: Pointer): void;
  dragEnd?(pointer: Pointer): void;
  scale?(factor: number, hit: PointerHit): void;
}

interface PointerState {
  pointer: Pointer;
  hit: PointerHit | null;
  pressed: PointerHit | null;
  pressDirection: Vector3;
  dragging: Interactive | null;
  /** the drag was started by squeeze (grip) rather than select, so only squeezeend ends it */
  gripDrag: boolean;
  /** second hand squeezing while another pointer grip-drags: two-hand scaling of that drag */
  assist: { other: PointerState; span: number } | null;
  lastRay: Ray;
  unlisten: () => void;
}

const DRAG_ANGLE = 0.02; // radians the ray must turn after a press before it counts as a drag

/**
 * Dispatches pointer rays to interactive objects: hover enter/move/leave, click, drag, scale. Desktop and XR
 * pointers go through the same code.
 */
export class InteractionManager {
  // A panel the camera stands inside (closer than the near plane) is not drawn, so it must not take the pointer:
  // fly-to could stop a camera 1 cm from a panel that then caught every click meant for what the user saw.
  private readonly raycaster = new Raycaster(undefined, undefined, CAMERA_NEAR);
  private readonly targets: Object3D[] = [];
  private readonly states: PointerState[] = [];
  private readonly found: Intersection[] = [];
  private dirty = true;
  /** a press that hit nothing (desktop uses it to lock the pointer for mouse look) */
  onEmptySelect: ((pointer: Pointer) => void) | null = null;

  add(object: Object3D, interactive: Interactive): void {
    object.userData.interactive = interactive;
    this.targets.push(object);
    this.dirty = true;
  }

  remove(object: Object3D): void {
    const i = this.targets.indexOf(object);
    if (i >= 0) this.targets.splice(i, 1);
    for (const s of this.states) if (s.hit?.object === object) this.leave(s);
    this.dirty = true;
  }

  /** Objects moved or changed visibility: re-run raycasts even if no pointer moved. */
  invalidate(): void {
    this.dirty = true;
  }

  addPointer(pointer: Pointer): void {
    const state: PointerState = {
      pointer, hit: null, pressed: null, pressDirection: new Vector3(), dragging: null, gripDrag: false, assist: null,
      lastRay: new Ray(),
      unlisten: pointer.addListener((e) => this.onPointerEvent(state, e)),
    };
    this.states.push(state);
  }

  removePointer(pointer: Pointer): void {
    const i = this.states.findIndex((s) => s.pointer === pointer);
    if (i < 0) return;
    this.leave(this.states[i]);
    this.states[i].unlisten();
    this.states.splice(i, 1);
  }

  hovered(pointer: Pointer): PointerHit | null {
    return this.states.find((s) => s.pointer === pointer)?.hit ?? null;
  }

  update(): void {
    for (const s of this.states) {
      s.pointer.update();
      if (s.assist) this.twoHandScale(s, s.assist);
      if (s.dragging) {
        s.dragging.drag?.(s.pointer);
        continue;
      }
      if (this.pressedTurnedIntoDrag(s)) continue;
      const moved = !s.lastRay.equals(s.pointer.ray);
      if (!moved && !this.dirty) continue;
      s.lastRay.copy(s.pointer.ray);
      this.updateHover(s);
    }
    this.dirty = false;
  }

  private pressedTurnedIntoDrag(s: PointerState): boolean {
    const pressed = s.pressed;
    if (!pressed || s.pointer.ray.direction.angleTo(s.pressDirection) < DRAG_ANGLE) return false;
    const target = pressed.object.userData.interactive as Interactive;
    if (!target.dragStart || !target.dragStart(pressed)) return false;
    s.dragging = target;
    s.pressed = null;
    return true;
  }

  private updateHover(s: PointerState): void {
    const hit = s.pointer.active ? this.cast(s.pointer) : null;
    if (s.hit && (!hit || hit.object !== s.hit.object)) this.leave(s);
    s.hit = hit;
    if (hit) (hit.object.userData.interactive as Interactive).hover?.(hit);
  }

  private cast(pointer: Pointer): PointerHit | null {
    this.raycaster.ray.copy(pointer.ray);
    this.found.length = 0;
    this.raycaster.intersectObjects(this.targets, false, this.found);
    for (const f of this.found) {
      if (!isVisible(f.object)) continue;
      return { pointer, object: f.object, point: f.point, uv: f.uv ?? null, faceIndex: f.faceIndex ?? null, distance: f.distance };
    }
    return null;
  }

  private leave(s: PointerState): void {
    if (!s.hit) return;
    (s.hit.object.userData.interactive as Interactive | undefined)?.hoverEnd?.(s.pointer);
    s.hit = null;
  }

  private onPointerEvent(s: PointerState, e: PointerEvent3D): void {
    if (e.type === 'selectstart') {
      s.pointer.update();
      this.updateHover(s);
      s.pressed = s.hit;
      s.pressDirection.copy(s.pointer.ray.direction);
      if (!s.hit) this.onEmptySelect?.(s.pointer);
    } else if (e.type === 'selectend' || e.type === 'cancel') {
      if (e.type === 'cancel') this.gripEnd(s);
      if (s.dragging && !s.gripDrag) {
        s.dragging.dragEnd?.(s.pointer);
        s.dragging = null;
        this.dirty = true;
      } else if (s.pressed && e.type === 'selectend') {
        (s.pressed.object.userData.interactive as Interactive).select?.(s.pressed);
      }
      s.pressed = null;
    } else if (e.type === 'squeezestart') {
      this.gripStart(s);
    } else if (e.type === 'squeezeend') {
      this.gripEnd(s);
    } else if (e.type === 'scale' && s.hit && e.factor) {
      (s.hit.object.userData.interactive as Interactive).scale?.(e.factor, s.hit);
      this.dirty = true;
    }
  }

  /** Grip: grab what the ray points at at once (no drag threshold); a second grip on it scales instead. */
  private gripStart(s: PointerState): void {
    if (s.dragging) return;
    const holder = this.states.find((o) => o !== s && o.dragging && o.gripDrag && !o.assist);
    if (holder) {
      s.assist = { other: holder, span: s.pointer.ray.origin.distanceTo(holder.pointer.ray.origin) };
      return;
    }
    s.pointer.update();
    this.updateHover(s);
    const target = s.hit?.object.userData.interactive as Interactive | undefined;
    if (!s.hit || !target?.dragStart?.(s.hit)) return;
    s.dragging = target;
    s.gripDrag = true;
    s.pressed = null;
  }

  private gripEnd(s: PointerState): void {
    s.assist = null;
    for (const o of this.states) if (o.assist?.other === s) o.assist = null;
    if (!s.dragging || !s.gripDrag) return;
    s.dragging.dragEnd?.(s.pointer);
    s.dragging = null;
    s.gripDrag = false;
    this.dirty = true;
  }

  private twoHandScale(s: PointerState, assist: { other: PointerState; span: number }): void {
    const { other } = assist;
    if (!other.dragging || !other.hit) return;
    const span = s.pointer.ray.origin.distanceTo(other.pointer.ray.origin);
    if (assist.span > 0.01 && span > 0.01 && Math.abs(span - assist.span) > 1e-4) {
      other.dragging.scale?.(span / assist.span, other.hit);
      this.dirty = true;
    }
    assist.span = span;
  }
}

function isVisible(object: Object3D): boolean {
  for (let o: Object3D | null = object; o; o = o.parent) if (!o.visible) return false;
  return true;
}
