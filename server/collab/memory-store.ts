import type { DocumentStore, LogSize } from "./store";

/** An in-memory DocumentStore for tests; `failNext` simulates a database outage. */
export class MemoryStore implements DocumentStore {
  private snapshots = new Map<string, Uint8Array>();
  private logs = new Map<string, Uint8Array[]>();
  private compacting = new Set<string>();
  /** While > 0, each call fails once and decrements. */
  failNext = 0;
  appendCalls = 0;

  private maybeFail(what: string, documentId: string): void {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error(`simulated ${what} failure for document ${documentId}`);
    }
  }

  async load(documentId: string): Promise<Uint8Array[]> {
    this.maybeFail("load", documentId);
    const snapshot = this.snapshots.get(documentId);
    return [...(snapshot ? [snapshot] : []), ...(this.logs.get(documentId) ?? [])];
  }

  async append(documentId: string, update: Uint8Array): Promise<LogSize> {
    this.appendCalls += 1;
    this.maybeFail("append", documentId);
    const log = this.logs.get(documentId) ?? [];
    log.push(update);
    this.logs.set(documentId, log);
    return { rows: log.length, bytes: log.reduce((n, u) => n + u.byteLength, 0), snapshotBytes: this.snapshots.get(documentId)?.byteLength ?? 0 };
  }

  async compact(documentId: string, merge: (updates: Uint8Array[]) => Uint8Array): Promise<boolean> {
    if (this.compacting.has(documentId)) return false;
    this.compacting.add(documentId);
    try {
      const log = this.logs.get(documentId) ?? [];
      const merged = log.splice(0, log.length);
      const snapshot = this.snapshots.get(documentId);
      this.snapshots.set(documentId, merge([...(snapshot ? [snapshot] : []), ...merged]));
      return true;
    } finally {
      this.compacting.delete(documentId);
    }
  }

  /** Rows in the log (tests). */
  logLength(documentId: string): number {
    return this.logs.get(documentId)?.length ?? 0;
  }
}
