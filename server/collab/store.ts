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
   * same document.
   */
  compact(documentId: string, merge: (updates: Uint8Array[]) => Uint8Array): Promise<boolean>;
}

export interface LogSize {
  rows: number;
  bytes: number;
  /** The snapshot the log follows (0 without one), as last read or written. */
  snapshotBytes: number;
}
