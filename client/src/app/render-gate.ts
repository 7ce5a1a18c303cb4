import { Matrix4, Ray } from 'three';
import type { Camera } from 'three';

/** How long the scene keeps rendering after the last change (lets late texture uploads and mipmaps land). */
const SETTLE_MS = 300;
/** Even a still scene is redrawn this often (image loads and other changes nobody announces). */
const HEARTBEAT_MS = 500;

/**
 * Decides per animation frame whether the scene must be drawn again: skipping frames while the camera is still
 * and nothing changed keeps an idle page (and a software-rendered one) cheap. `?continuous=1` draws every frame
 * (benchmarks), and so does an XR session.
 */
export class RenderGate {
  continuous = new URLSearchParams(location.search).get('continuous') === '1';
  private readonly lastCamera = new Matrix4();
  private readonly lastRay = new Ray();
  private changedAt = -Infinity;
  private drawnAt = -Infinity;
  /** draw nothing at all (benchmarks pause one page while measuring another in the same browser) */
  paused = false;
  skipped = 0;

  constructor() {
    for (const type of ['wheel', 'keydown', 'keyup', 'pointerdown', 'pointerup', 'resize', 'drop'])
      window.addEventListener(type, () => this.invalidate(), { passive: true });
  }

  /** Something in the scene changed (new textures, moved objects, hover). */
  invalidate(now = performance.now()): void {
    this.changedAt = now;
  }

  /** Call once per frame after the camera and pointer were updated; true → render this frame. */
  shouldRender(camera: Camera, pointerRay: Ray, busy: boolean, now = performance.now()): boolean {
    if (!camera.matrixWorld.equals(this.lastCamera) || !pointerRay.equals(this.lastRay) || busy) this.invalidate(now);
    this.lastCamera.copy(camera.matrixWorld);
    this.lastRay.copy(pointerRay);
    if (this.paused) return false;
    const draw = this.continuous || now - this.changedAt < SETTLE_MS || now - this.drawnAt > HEARTBEAT_MS;
    if (draw) this.drawnAt = now;
    else this.skipped++;
    return draw;
  }
}
