import type { Quaternion, Ray, Vector3 } from 'three';

/** What a pointer reports besides its ray; the interaction manager turns these into hover/select/drag calls. */
export type PointerEventType = 'selectstart' | 'selectend' | 'squeezestart' | 'squeezeend' | 'scale' | 'cancel';

export interface PointerEvent3D {
  type: PointerEventType;
  pointer: Pointer;
  /** for 'scale': multiplicative factor (wheel on desktop, thumbstick or two-hand grip in XR) */
  factor?: number;
}

export type PointerListener = (event: PointerEvent3D) => void;

/**
 * One pointing device: the desktop mouse/crosshair or an XR controller ray (xr/xr-controller-pointer.ts). The
 * scene never looks at mouse or controller events — only at pointers.
 */
export interface Pointer {
  readonly id: string;
  readonly kind: 'desktop' | 'xr';
  /** world-space ray, refreshed by update() once per frame */
  readonly ray: Ray;
  /** false while the device points at nothing meaningful (e.g. mouse outside the canvas) */
  readonly active: boolean;
  update(): void;
  /** where a carried item floats (desktop: in front of the crosshair; XR: above the handheld tool) */
  carryPose(position: Vector3, quaternion: Quaternion): void;
  /** screen-space position for HTML tooltips, or null if it has none (XR shows tooltips in the world) */
  screenPosition(): { x: number; y: number } | null;
  addListener(listener: PointerListener): () => void;
  dispose(): void;
}
