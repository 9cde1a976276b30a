import type { Sql } from "../db/prisma";

/** Rows one statement carries at most (two bind parameters each; PostgreSQL allows 65,535). */
const MAX_BATCH_ROWS = 1_000;
/** Bytes one statement carries at most, so a burst of large pastes is written in several steps. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

interface PendingRow {
  documentId: string;
  update: Uint8Array;
  /** With the row's id (bigint, as node-postgres returns it: a string). */
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the update log: rows appended while a statement is in flight (or within the
 * same event-loop turn) go to PostgreSQL together as one multi-row INSERT, whatever documents
 * they belong to. Hundreds of documents being edited then cost a few statements per second
 * instead of one per update, and a lone update still goes out at once.
 *
 * A failed batch is retried row by row, so one bad row (its document deleted meanwhile) fails
 * only its own append.
 */
export class LogAppender {
  private queue: PendingRow[] = [];
  private inFlight = false;
  private scheduled = false;

  constructor(private readonly sql: Sql) {}

  /** Resolves with the new row's id once it is committed. */
  append(documentId: string, update: Uint8Array): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ documentId, update, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    // After this turn's socket reads: every update they carried joins the statement.
    setImmediate(() => {
      this.scheduled = false;
      void this.writeNext();
    });
  }

  private async writeNext(): Promise<void> {
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    this.inFlight = true;
    try {
      const ids = await this.insert(batch);
      batch.forEach((row, i) => row.resolve(ids[i] as string));
    } catch {
      await this.insertOneByOne(batch);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }

  private takeBatch(): PendingRow[] {
    let bytes = 0;
    let count = 0;
    for (const row of this.queue) {
      if (count > 0 && (count >= MAX_BATCH_ROWS || bytes + row.update.byteLength > MAX_BATCH_BYTES)) break;
      bytes += row.update.byteLength;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async insertOneByOne(batch: PendingRow[]): Promise<void> {
    for (const row of batch) {
      try {
        const [id] = await this.insert([row]);
        row.resolve(id as string);
      } catch (error) {
        row.reject(error);
      }
    }
  }

  /**
   * One statement: the rows in order (ids ascend with it), and each document's updatedAt. Plain
   * SQL: it runs for every batch of edits (see Sql).
   * @returns the rows' ids, in the rows' order: one statement takes its ids from the sequence in
   * the order of its VALUES, so sorted they match (RETURNING promises no order of its own).
   */
  private async insert(rows: PendingRow[]): Promise<string[]> {
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      values.push(row.documentId, row.update);
      return `($${values.length - 1}::uuid, $${values.length}::bytea)`;
    });
    const documentIds = [...new Set(rows.map((row) => row.documentId))];
    values.push(documentIds);
    const { rows: inserted } = await this.sql.query<{ id: string }>(
      `WITH inserted AS (
         INSERT INTO document_update ("documentId", data) VALUES ${tuples.join(", ")} RETURNING id
       ), touched AS (
         -- updatedAt follows edits, at most every 10 seconds.
         UPDATE document SET "updatedAt" = now() WHERE id = ANY($${values.length}::uuid[]) AND "updatedAt" < now() - interval '10 seconds'
       )
       SELECT id FROM inserted ORDER BY id`,
      values,
    );
    if (inserted.length !== rows.length) throw new Error(`inserted ${inserted.length} update rows of ${rows.length}`);
    return inserted.map((row) => row.id);
  }
}
