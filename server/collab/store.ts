/** Where a document's Yjs state lives. Two implementations: PostgreSQL and memory (tests). */
export interface DocumentStore {
  /**
   * Everything stored for the document, to be applied in order: its snapshot (if any), then
   * every log row after it. Read consistently: a concurrent compaction never hides a row.
   */
  load(documentId: string): Promise<Uint8Array[]>;
  /** Appends one update to the log (one row), and tells how large the log has grown (and the snapshot is). */
  append(documentId: string, update: Uint8Array): Promise<LogSize>;
  /**
   * Merges the snapshot and the log rows into a new snapshot and deletes exactly the merged rows,
   * atomically. Returns false without doing anything when another process is compacting the
   * same document. `merge` gets every stored update in order, and apart those of them this store
   * neither read in its last `load` of the document nor wrote itself since (rows and snapshots
   * another process wrote): a loaded room holds all the others already.
   */
  compact(documentId: string, merge: Merge): Promise<boolean>;
  /** The document is no longer loaded here: what the store remembers of it can go. */
  forget(documentId: string): void;
}

/** Turns the stored updates into the new snapshot; `unknown` are those the caller may lack. */
export type Merge = (updates: Uint8Array[], unknown: Uint8Array[]) => Uint8Array;

export interface LogSize {
  rows: number;
  bytes: number;
  /** The snapshot the log follows (0 without one), as last read or written. */
  snapshotBytes: number;
}
