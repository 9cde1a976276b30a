import type { DatabaseClients } from "../db/prisma";
import { inTransaction } from "../db/transaction";
import { LogAppender } from "./log-appender";
import type { DocumentStore, LogSize } from "./store";

/** Namespace of the per-document advisory locks taken while compacting. */
const COMPACTION_LOCK_NAMESPACE = 0x74616e64; // "tand"
/** A compaction reads and rewrites the whole document; one that runs longer is rolled back. */
const COMPACTION_STATEMENT_TIMEOUT_MS = 60_000;

/**
 * Everything stored for a document in one statement, so the snapshot and the rows come from one
 * view of the database: a compaction that commits meanwhile cannot remove rows the snapshot we
 * read lacks. Part 0 is the snapshot, part 1 the log rows in order.
 */
const SELECT_STORED = `SELECT part, id, data FROM (
    SELECT 0 AS part, 0::bigint AS id, data FROM document_snapshot WHERE "documentId" = $1::uuid
    UNION ALL
    SELECT 1 AS part, id, data FROM document_update WHERE "documentId" = $1::uuid
  ) AS state ORDER BY part, id`;

interface StoredRow {
  part: number;
  /** bigint, which node-postgres returns as a string. */
  id: string;
  data: Uint8Array;
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

  constructor(private readonly db: Pick<DatabaseClients, "sql">) {
    this.appender = new LogAppender(db.sql);
  }

  async load(documentId: string): Promise<Uint8Array[]> {
    const { rows } = await this.db.sql.query<StoredRow>(SELECT_STORED, [documentId]);
    this.sizes.set(documentId, sizeOf(rows));
    return rows.map((row) => row.data);
  }

  async append(documentId: string, update: Uint8Array): Promise<LogSize> {
    await this.appender.append(documentId, update);
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

  async compact(documentId: string, merge: (updates: Uint8Array[]) => Uint8Array): Promise<boolean> {
    this.sizes.delete(documentId);
    return inTransaction(this.db.sql, { statementTimeoutMs: COMPACTION_STATEMENT_TIMEOUT_MS }, async (tx) => {
      const { rows: locks } = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1::int, hashtext($2::text)) AS locked", [
        COMPACTION_LOCK_NAMESPACE,
        documentId,
      ]);
      if (!locks[0]?.locked) return false;
      const { rows } = await tx.query<StoredRow>(SELECT_STORED, [documentId]);
      const merged = rows.filter((row) => row.part === 1).map((row) => row.id);
      if (merged.length === 0) return true;
      const data = merge(rows.map((row) => row.data));
      await tx.query(
        `INSERT INTO document_snapshot ("documentId", data, "updatedAt") VALUES ($1::uuid, $2::bytea, now())
         ON CONFLICT ("documentId") DO UPDATE SET data = EXCLUDED.data, "updatedAt" = EXCLUDED."updatedAt"`,
        [documentId, data],
      );
      // Exactly the rows merged: a row committed by another instance meanwhile stays.
      await tx.query("DELETE FROM document_update WHERE id = ANY($1::bigint[])", [merged]);
      return true;
    });
  }
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
