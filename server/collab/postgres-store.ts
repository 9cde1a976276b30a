import type { DatabaseClients } from "../db/prisma";
import { inTransaction } from "../db/transaction";
import { LogAppender } from "./log-appender";
import type { DocumentStore, LogSize, Merge } from "./store";

/** Namespace of the per-document advisory locks taken while compacting. */
const COMPACTION_LOCK_NAMESPACE = 0x74616e64; // "tand"
/** A compaction reads and rewrites the whole document; one that runs longer is rolled back. */
const COMPACTION_STATEMENT_TIMEOUT_MS = 60_000;

/**
 * Everything stored for a document in one statement, so the snapshot and the rows come from one
 * view of the database: a compaction that commits meanwhile cannot remove rows the snapshot we
 * read lacks. Part 0 is the snapshot, part 1 the log rows in order. The snapshot's `version` is
 * its row version (xmin: the transaction that wrote it), which tells whether it is the one this
 * process read or wrote.
 */
const SELECT_STORED = `SELECT part, id, version, data FROM (
    SELECT 0 AS part, 0::bigint AS id, xmin::text AS version, data FROM document_snapshot WHERE "documentId" = $1::uuid
    UNION ALL
    SELECT 1 AS part, id, NULL AS version, data FROM document_update WHERE "documentId" = $1::uuid
  ) AS state ORDER BY part, id`;

interface StoredRow {
  part: number;
  /** bigint, which node-postgres returns as a string. */
  id: string;
  version: string | null;
  data: Uint8Array;
}

/** What this process has seen of a loaded document: what it loaded, and what it wrote since. */
interface Known {
  /** The last log row the load read (0: none). */
  loadedUpTo: bigint;
  snapshotVersion: string | null;
  /** Rows this process appended since (their ids), until a compaction merges them; made on the first. */
  appended: Set<string> | undefined;
}

/**
 * The Yjs update log and snapshots in PostgreSQL, in plain SQL on Prisma's pool: a load runs
 * for every room opened, an append for every batch of edits, and a compaction moves the whole
 * document twice (Prisma would pass every byte through base64 on the way).
 */
export class PostgresStore implements DocumentStore {
  /**
   * The log size of documents loaded here, kept up to date by append, so a flush does not sum
   * the whole log again. Another instance's appends or compaction make it approximate, which
   * only moves when compaction is tried; compaction forgets it.
   */
  private readonly sizes = new Map<string, LogSize>();

  /** Appends of every document go through one group commit. */
  private readonly appender: LogAppender;

  /** Documents loaded here, so that a compaction can tell which rows another process wrote. */
  private readonly known = new Map<string, Known>();

  constructor(private readonly db: Pick<DatabaseClients, "sql">) {
    this.appender = new LogAppender(db.sql);
  }

  async load(documentId: string): Promise<Uint8Array[]> {
    const { rows } = await this.db.sql.query<StoredRow>(SELECT_STORED, [documentId]);
    this.sizes.set(documentId, sizeOf(rows));
    const last = rows.at(-1);
    this.known.set(documentId, {
      loadedUpTo: last?.part === 1 ? BigInt(last.id) : 0n,
      snapshotVersion: rows[0]?.part === 0 ? rows[0].version : null,
      appended: undefined,
    });
    return rows.map((row) => row.data);
  }

  async append(documentId: string, update: Uint8Array): Promise<LogSize> {
    const id = await this.appender.append(documentId, update);
    const seen = this.known.get(documentId);
    if (seen) (seen.appended ??= new Set()).add(id);
    const known = this.sizes.get(documentId);
    if (known) {
      const size = { rows: known.rows + 1, bytes: known.bytes + update.byteLength, snapshotBytes: known.snapshotBytes };
      this.sizes.set(documentId, size);
      return size;
    }
    // Not loaded here, or compacted since: measure once, then keep count.
    // count and sum are bigint, which node-postgres returns as strings.
    const { rows } = await this.db.sql.query<{ rows: string; bytes: string; snapshot_bytes: number | null }>(
      `SELECT count(*) AS rows, coalesce(sum(octet_length(data)), 0) AS bytes,
              (SELECT octet_length(data) FROM document_snapshot WHERE "documentId" = $1::uuid) AS snapshot_bytes
         FROM document_update WHERE "documentId" = $1::uuid`,
      [documentId],
    );
    const size = rows[0];
    const measured = { rows: Number(size?.rows ?? 1), bytes: Number(size?.bytes ?? update.byteLength), snapshotBytes: size?.snapshot_bytes ?? 0 };
    this.sizes.set(documentId, measured);
    return measured;
  }

  forget(documentId: string): void {
    this.known.delete(documentId);
    this.sizes.delete(documentId);
  }

  async compact(documentId: string, merge: Merge): Promise<boolean> {
    this.sizes.delete(documentId);
    const known = this.known.get(documentId);
    const done = await inTransaction(this.db.sql, { statementTimeoutMs: COMPACTION_STATEMENT_TIMEOUT_MS }, async (tx) => {
      const { rows: locks } = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1::int, hashtext($2::text)) AS locked", [
        COMPACTION_LOCK_NAMESPACE,
        documentId,
      ]);
      if (!locks[0]?.locked) return null;
      const { rows } = await tx.query<StoredRow>(SELECT_STORED, [documentId]);
      const merged = rows.filter((row) => row.part === 1).map((row) => row.id);
      if (merged.length === 0) return { merged, version: undefined };
      const data = merge(
        rows.map((row) => row.data),
        rows.filter((row) => !isKnown(row, known)).map((row) => row.data),
      );
      const { rows: written } = await tx.query<{ version: string }>(
        `INSERT INTO document_snapshot ("documentId", data, "updatedAt") VALUES ($1::uuid, $2::bytea, now())
         ON CONFLICT ("documentId") DO UPDATE SET data = EXCLUDED.data, "updatedAt" = EXCLUDED."updatedAt"
         RETURNING xmin::text AS version`,
        [documentId, data],
      );
      // Exactly the rows merged: a row committed by another instance meanwhile stays.
      await tx.query("DELETE FROM document_update WHERE id = ANY($1::bigint[])", [merged]);
      return { merged, version: written[0]?.version ?? null };
    });
    if (!done) return false;
    // Remembered once committed (a rolled-back compaction changed nothing): the new snapshot is
    // this process's, and holds the rows it wrote.
    if (known && done.version !== undefined) {
      known.snapshotVersion = done.version;
      for (const id of done.merged) known.appended?.delete(id);
    }
    return true;
  }
}

/** Whether this process read `row` in its load of the document, or wrote it since. */
function isKnown(row: StoredRow, known: Known | undefined): boolean {
  if (!known) return false;
  if (row.part === 0) return row.version === known.snapshotVersion;
  return BigInt(row.id) <= known.loadedUpTo || (known.appended?.has(row.id) ?? false);
}

function sizeOf(rows: readonly StoredRow[]): LogSize {
  const size: LogSize = { rows: 0, bytes: 0, snapshotBytes: 0 };
  for (const row of rows) {
    if (row.part === 0) {
      size.snapshotBytes = row.data.byteLength;
    } else {
      size.rows += 1;
      size.bytes += row.data.byteLength;
    }
  }
  return size;
}
