import type { DatabaseClients, PrismaClient, Sql } from "../db/prisma";
import { LogAppender } from "./log-appender";
import type { DocumentStore, LogSize } from "./store";

/** Namespace of the per-document advisory locks taken while compacting. */
const COMPACTION_LOCK_NAMESPACE = 0x74616e64; // "tand"

/** The Yjs update log and snapshots in PostgreSQL. */
export class PostgresStore implements DocumentStore {
  /**
   * The log size of documents loaded here, kept up to date by append, so a flush does not sum
   * the whole log again. Another instance's appends or compaction make it approximate, which
   * only moves when compaction is tried; compaction forgets it.
   */
  private readonly sizes = new Map<string, LogSize>();

  /** Appends of every document go through one group commit. */
  private readonly appender: LogAppender;

  private readonly prisma: PrismaClient;
  /** Loads and appends, which run for every room opened and every batch of edits (see Sql). */
  private readonly sql: Sql;

  constructor(db: Pick<DatabaseClients, "prisma" | "sql">) {
    this.prisma = db.prisma;
    this.sql = db.sql;
    this.appender = new LogAppender(db.sql);
  }

  async load(documentId: string): Promise<Uint8Array[]> {
    // One statement, so the snapshot and the rows come from one view of the database: a
    // compaction that commits meanwhile cannot remove rows the snapshot we read lacks.
    const { rows } = await this.sql.query<{ part: number; data: Uint8Array }>(
      `SELECT part, data FROM (
         SELECT 0 AS part, 0::bigint AS id, data FROM document_snapshot WHERE "documentId" = $1::uuid
         UNION ALL
         SELECT 1 AS part, id, data FROM document_update WHERE "documentId" = $1::uuid
       ) AS state ORDER BY part, id`,
      [documentId],
    );
    const log = rows.filter((row) => row.part === 1);
    this.sizes.set(documentId, { rows: log.length, bytes: log.reduce((n, row) => n + row.data.byteLength, 0) });
    return rows.map((row) => row.data);
  }

  async append(documentId: string, update: Uint8Array): Promise<LogSize> {
    await this.appender.append(documentId, update);
    const known = this.sizes.get(documentId);
    if (known) {
      const size = { rows: known.rows + 1, bytes: known.bytes + update.byteLength };
      this.sizes.set(documentId, size);
      return size;
    }
    // Not loaded here, or compacted since: measure once, then keep count.
    // count and sum are bigint, which node-postgres returns as strings.
    const { rows } = await this.sql.query<{ rows: string; bytes: string }>(
      `SELECT count(*) AS rows, coalesce(sum(octet_length(data)), 0) AS bytes FROM document_update WHERE "documentId" = $1::uuid`,
      [documentId],
    );
    const size = rows[0];
    const measured = { rows: Number(size?.rows ?? 1), bytes: Number(size?.bytes ?? update.byteLength) };
    this.sizes.set(documentId, measured);
    return measured;
  }

  async compact(documentId: string, merge: (updates: Uint8Array[]) => Uint8Array): Promise<boolean> {
    this.sizes.delete(documentId);
    return this.prisma.$transaction(async (tx) => {
      const [lock] = await tx.$queryRaw<Array<{ locked: boolean }>>`
        SELECT pg_try_advisory_xact_lock(${COMPACTION_LOCK_NAMESPACE}::int, hashtext(${documentId})) AS locked`;
      if (!lock?.locked) return false;
      const snapshot = await tx.documentSnapshot.findUnique({ where: { documentId }, select: { data: true } });
      const rows = await tx.documentUpdate.findMany({ where: { documentId }, orderBy: { id: "asc" }, select: { id: true, data: true } });
      if (rows.length === 0) return true;
      // Yjs hands out Uint8Array<ArrayBufferLike>; Prisma's Bytes wants a plain ArrayBuffer view, which it is.
      const data = merge([...(snapshot ? [snapshot.data] : []), ...rows.map((r) => r.data)]) as Uint8Array<ArrayBuffer>;
      await tx.documentSnapshot.upsert({ where: { documentId }, create: { documentId, data }, update: { data } });
      // Exactly the rows merged: a row committed by another instance meanwhile stays.
      await tx.documentUpdate.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
      return true;
    }, { timeout: 60_000 });
  }
}
