/** A unit of work; returns its cost in bytes uploaded (for the per-frame upload cap). */
export type FrameTask = () => number;

/**
 * The client's one clock: the renderer's animation loop calls `startFrame` and `run` once per frame, on the desktop
 * and in an XR session alike (there the session drives the frames and `window.requestAnimationFrame` never fires,
 * so nothing in the client waits on it). Spreads heavy work (filling and uploading layer atlases) over frames so the
 * page never freezes: each frame runs tasks until a time budget or an upload budget is used up.
 */
export class FrameScheduler {
  private readonly queue: FrameTask[] = [];
  private head = 0;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly budgetMs = 8,
    private readonly budgetBytes = 6 * 1024 * 1024,
  ) {}

  get pending(): number {
    return this.queue.length - this.head;
  }

  add(task: FrameTask): void {
    this.queue.push(task);
  }

  /** Call `callback` at the start of the next frame, before it is drawn. */
  onNextFrame(callback: () => void): void {
    this.waiting.push(callback);
  }

  /** Resolves once `n` frames have been drawn (or skipped by the render gate) from now. */
  async frames(n = 1): Promise<void> {
    for (let i = 0; i < n; i++) await new Promise<void>((resolve) => this.onNextFrame(resolve));
  }

  /** First thing of every frame (the render loop): the callbacks waiting for this frame run. */
  startFrame(): void {
    const due = this.waiting;
    this.waiting = [];
    due.forEach((callback) => callback());
  }

  /** Run queued tasks for up to `budgetMs` (default: the constructor's budget). */
  run(budgetMs = this.budgetMs): void {
    const start = performance.now();
    let bytes = 0;
    while (this.head < this.queue.length) {
      bytes += this.queue[this.head++]();
      if (performance.now() - start > budgetMs || bytes > this.budgetBytes) break;
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
  }
}
