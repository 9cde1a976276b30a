import * as Y from "yjs";
import type { Logger } from "../logger";
import { FlushTick } from "./flush-tick";
import type { DocumentStore, LogSize, Merge } from "./store";

export interface WriterOptions {
  /** How long the first update of a batch waits for others before the batch is written. */
  flushDelayMs: number;
  /**
   * Compact once the log holds this many rows or bytes; both scale with the snapshot once it is
   * larger than `compactAfterBytes` (see logDue).
   */
  compactAfterRows: number;
  compactAfterBytes: number;
  /** Retry backoff after a failed write. */
  retryMinMs: number;
  retryMaxMs: number;
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  flushDelayMs: 50,
  compactAfterRows: 500,
  compactAfterBytes: 4 * 1024 * 1024,
  retryMinMs: 100,
  retryMaxMs: 5_000,
};

/** Merges stored updates into one snapshot, dropping deleted content (garbage collection). */
export function mergeToSnapshot(updates: Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  Y.transact(doc, () => {
    for (const update of updates) Y.applyUpdate(doc, update);
  });
  const snapshot = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return snapshot;
}

/**
 * Appends one document's accepted updates to its log in batches: at most `flushDelayMs` after an
 * update arrives, all updates that arrived meanwhile go in as one merged row. A failed write keeps
 * the updates in memory and retries with backoff, so nothing is dropped while the database is down.
 */
export class UpdateWriter {
  private pending: Uint8Array[] = [];
  /** Cancels the wait for the next flush (the shared tick, or a retry's own timer). */
  private cancelWait: (() => void) | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private idleWaiters: Array<() => void> = [];
  private compacting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly documentId: string,
    private readonly store: DocumentStore,
    private readonly logger: Logger,
    private readonly options: WriterOptions = DEFAULT_WRITER_OPTIONS,
    /** Called with each batch once it is stored. */
    private readonly onStored?: (update: Uint8Array) => void,
    /** Shared with the other rooms' writers, so that their batches are written together. */
    private readonly tick: FlushTick = new FlushTick(options.flushDelayMs),
    /** Turns the stored snapshot and rows into the new snapshot (the room has a cheaper way than a fresh document). */
    private readonly merge: Merge = mergeToSnapshot,
  ) {}

  /** Updates accepted but not yet stored. */
  get pendingCount(): number {
    return this.pending.length;
  }

  enqueue(update: Uint8Array): void {
    this.pending.push(update);
    if (!this.cancelWait && !this.writing) this.waitForTick();
  }

  /** Resolves once every update enqueued so far is stored (waits through retries). */
  flush(): Promise<void> {
    if (this.pending.length === 0 && !this.writing) return Promise.resolve();
    if (this.cancelWait) {
      this.stopWaiting();
      void this.write();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Merges the log into a snapshot now (room unload). Never throws: a failure is logged and the log stays. */
  async compact(): Promise<void> {
    await this.runCompaction();
  }

  /** Stops timers; pending updates are kept only if flush() was awaited first. */
  close(): void {
    this.closed = true;
    this.stopWaiting();
  }

  private waitForTick(): void {
    if (this.closed) return;
    this.cancelWait = this.tick.join(() => {
      this.cancelWait = undefined;
      void this.write();
    });
  }

  private waitForRetry(delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.cancelWait = undefined;
      void this.write();
    }, delayMs);
    this.cancelWait = () => clearTimeout(timer);
  }

  private stopWaiting(): void {
    this.cancelWait?.();
    this.cancelWait = undefined;
  }

  private write(): Promise<void> {
    if (this.writing) return this.writing;
    this.writing = this.writeBatch().finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0 && !this.cancelWait) {
        if (this.failures > 0) {
          const delay = Math.min(this.options.retryMaxMs, this.options.retryMinMs * 2 ** (this.failures - 1));
          // Backoff with jitter, so instances do not hammer a recovering database in step.
          this.waitForRetry(delay / 2 + Math.random() * (delay / 2));
        } else if (this.idleWaiters.length > 0) {
          // Someone waits for everything to be stored: no reason to wait for the tick.
          void this.write();
        } else {
          this.waitForTick();
        }
      } else if (this.pending.length === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    });
    return this.writing;
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending.slice();
    if (batch.length === 0) return;
    const update = batch.length === 1 ? (batch[0] as Uint8Array) : Y.mergeUpdates(batch);
    try {
      const size = await this.store.append(this.documentId, update);
      // Only now are they durable; updates that arrived during the write stay pending.
      this.pending.splice(0, batch.length);
      this.onStored?.(update);
      if (this.failures > 0) this.logger.info({ documentId: this.documentId, failures: this.failures }, "update log writable again");
      this.failures = 0;
      if (this.logDue(size)) void this.runCompaction();
    } catch (error) {
      this.failures += 1;
      this.logger.error({ err: error, documentId: this.documentId, pendingUpdates: this.pending.length, failures: this.failures }, "storing updates failed; keeping them in memory and retrying");
    }
  }

  /**
   * Whether the log has grown enough to fold into the snapshot. A compaction rewrites the whole
   * snapshot, so past `compactAfterBytes` the thresholds grow with it: a document of N times
   * that size compacts after N times as many rows and bytes, and every byte stored is rewritten
   * a bounded number of times instead of once per few MiB typed or pasted.
   */
  private logDue(size: LogSize): boolean {
    const scale = Math.max(1, size.snapshotBytes / this.options.compactAfterBytes);
    return size.rows >= this.options.compactAfterRows * scale || size.bytes >= this.options.compactAfterBytes * scale;
  }

  private runCompaction(): Promise<void> {
    this.compacting ??= this.store
      .compact(this.documentId, this.merge)
      .then((done) => {
        if (!done) this.logger.debug({ documentId: this.documentId }, "compaction skipped: another instance holds the lock");
      })
      .catch((error: unknown) => this.logger.error({ err: error, documentId: this.documentId }, "compaction failed; the log is kept"))
      .finally(() => {
        this.compacting = undefined;
      });
    return this.compacting;
  }
}
