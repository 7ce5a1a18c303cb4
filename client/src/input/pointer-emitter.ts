import type { PointerEvent3D, PointerListener } from './pointer';

/**
 * The event half of every Pointer: its listeners, emitting to them, and undoing the device subscriptions
 * (DOM or XR events) on dispose. Desktop and XR pointers extend it.
 */
export abstract class PointerEmitter {
  private readonly listeners = new Set<PointerListener>();
  private readonly cleanup: (() => void)[] = [];

  addListener(listener: PointerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.cleanup.forEach((f) => f());
    this.listeners.clear();
  }

  protected emit(event: PointerEvent3D): void {
    this.listeners.forEach((l) => l(event));
  }

  /** run `undo` on dispose (removing an event listener the pointer added) */
  protected onDispose(undo: () => void): void {
    this.cleanup.push(undo);
  }
}
