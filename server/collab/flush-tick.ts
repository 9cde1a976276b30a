/**
 * One clock for the update writers of every room: writers that have something to store join the
 * current tick, and all of them flush when it fires, so their rows reach the group commit
 * (log-appender.ts) together as one statement instead of one per room. A tick starts with the
 * first writer that joins it, so nothing waits longer than `intervalMs`.
 */
export class FlushTick {
  private due = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly intervalMs: number) {}

  /** Runs `flush` when the current tick fires. Returns a cancel function. */
  join(flush: () => void): () => void {
    this.due.add(flush);
    this.timer ??= setTimeout(this.fire, this.intervalMs);
    return () => {
      this.due.delete(flush);
    };
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const due = this.due;
    this.due = new Set();
    for (const flush of due) flush();
  };
}
