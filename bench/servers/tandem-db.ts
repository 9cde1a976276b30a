import pg from "pg";
import * as Y from "yjs";

export interface StoredSize {
  snapshotBytes: number;
  logRows: number;
  logBytes: number;
}

/** Reads what Tandem stored for a document, straight from its PostgreSQL tables. */
export class TandemDatabase {
  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<TandemDatabase> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new TandemDatabase(client);
  }

  async storedSize(documentId: string): Promise<StoredSize> {
    const { rows } = await this.client.query<{ snapshot: string | null; rows: string; bytes: string | null }>(
      `SELECT (SELECT octet_length(data) FROM document_snapshot WHERE "documentId" = $1::uuid) AS snapshot,
              count(*) AS rows, sum(octet_length(data)) AS bytes
         FROM document_update WHERE "documentId" = $1::uuid`,
      [documentId],
    );
    const row = rows[0];
    return { snapshotBytes: Number(row?.snapshot ?? 0), logRows: Number(row?.rows ?? 0), logBytes: Number(row?.bytes ?? 0) };
  }

  /** The state vector of everything stored for the document (snapshot and log, merged). */
  async storedStateVector(documentId: string): Promise<Map<number, number>> {
    // One statement, so a compaction committing meanwhile cannot hide rows (as the server loads).
    const { rows } = await this.client.query<{ data: Buffer }>(
      `SELECT data FROM (
         SELECT 0 AS part, 0::bigint AS id, data FROM document_snapshot WHERE "documentId" = $1::uuid
         UNION ALL
         SELECT 1 AS part, id, data FROM document_update WHERE "documentId" = $1::uuid
       ) AS state ORDER BY part, id`,
      [documentId],
    );
    if (rows.length === 0) return new Map();
    return Y.decodeStateVector(Y.encodeStateVectorFromUpdate(Y.mergeUpdates(rows.map((row) => row.data))));
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
