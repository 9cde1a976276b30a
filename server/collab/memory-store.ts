import type { DocumentStore, LogSize, Merge } from "./store";

interface Row {
  id: number;
  data: Uint8Array;
}

interface Snapshot {
  /** Changes with every write, like a row version in PostgreSQL. */
  version: number;
  data: Uint8Array;
}

/** The stored data several handles (processes) share. */
class Backing {
  readonly snapshots = new Map<string, Snapshot>();
  readonly logs = new Map<string, Row[]>();
  readonly compacting = new Set<string>();
  nextId = 1;
}

/** What one handle has seen of a document: what it loaded and what it wrote since. */
interface Known {
  loadedUpTo: number;
  snapshotVersion: number | undefined;
  appended: Set<number>;
}

/**
 * An in-memory DocumentStore for tests; `failNext` simulates a database outage. `handle()` is a
 * second store on the same data, as another process on the same database would be.
 */
export class MemoryStore implements DocumentStore {
  private readonly known = new Map<string, Known>();
  /** While > 0, each call fails once and decrements. */
  failNext = 0;
  appendCalls = 0;

  constructor(private readonly backing = new Backing()) {}

  /** Another store on the same data (another process). */
  handle(): MemoryStore {
    return new MemoryStore(this.backing);
  }

  private maybeFail(what: string, documentId: string): void {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error(`simulated ${what} failure for document ${documentId}`);
    }
  }

  async load(documentId: string): Promise<Uint8Array[]> {
    this.maybeFail("load", documentId);
    const snapshot = this.backing.snapshots.get(documentId);
    const log = this.backing.logs.get(documentId) ?? [];
    this.known.set(documentId, { loadedUpTo: log.at(-1)?.id ?? 0, snapshotVersion: snapshot?.version, appended: new Set() });
    return [...(snapshot ? [snapshot.data] : []), ...log.map((row) => row.data)];
  }

  async append(documentId: string, update: Uint8Array): Promise<LogSize> {
    this.appendCalls += 1;
    this.maybeFail("append", documentId);
    const log = this.backing.logs.get(documentId) ?? [];
    const id = this.backing.nextId++;
    log.push({ id, data: update });
    this.backing.logs.set(documentId, log);
    this.known.get(documentId)?.appended.add(id);
    return { rows: log.length, bytes: log.reduce((n, row) => n + row.data.byteLength, 0), snapshotBytes: this.backing.snapshots.get(documentId)?.data.byteLength ?? 0 };
  }

  async compact(documentId: string, merge: Merge): Promise<boolean> {
    const { compacting, logs, snapshots } = this.backing;
    if (compacting.has(documentId)) return false;
    compacting.add(documentId);
    try {
      const log = logs.get(documentId) ?? [];
      const merged = log.splice(0, log.length);
      const snapshot = snapshots.get(documentId);
      const known = this.known.get(documentId);
      const unknown = [
        ...(snapshot && snapshot.version !== known?.snapshotVersion ? [snapshot.data] : []),
        ...merged.filter((row) => !known || (row.id > known.loadedUpTo && !known.appended.has(row.id))).map((row) => row.data),
      ];
      const version = this.backing.nextId++;
      snapshots.set(documentId, { version, data: merge([...(snapshot ? [snapshot.data] : []), ...merged.map((row) => row.data)], unknown) });
      if (known) {
        known.snapshotVersion = version;
        for (const row of merged) known.appended.delete(row.id);
      }
      return true;
    } finally {
      compacting.delete(documentId);
    }
  }

  forget(documentId: string): void {
    this.known.delete(documentId);
  }

  /** Rows in the log (tests). */
  logLength(documentId: string): number {
    return this.backing.logs.get(documentId)?.length ?? 0;
  }
}
