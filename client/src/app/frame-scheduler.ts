/** A unit of work; returns its cost in bytes uploaded (for the per-frame upload cap). */
export type FrameTask = () => number;

/**
 * Spreads heavy work (filling and uploading layer atlases) over animation frames so the page never freezes:
 * each frame runs tasks until a time budget or an upload budget is used up.
 */
export class FrameScheduler {
  private readonly queue: FrameTask[] = [];
  private head = 0;

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
