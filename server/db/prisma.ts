import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Logger } from "pino";
import { PrismaClient } from "./generated/client";
import type { TransactionPool } from "./transaction";

export type { PrismaClient };

/**
 * Plain SQL over the pool Prisma uses, for the few statements on hot paths: every WebSocket and
 * event stream that opens (session, role, document load), the update log's group commit, and
 * compaction (which moves whole documents).
 * Prisma's query pipeline costs about four times PostgreSQL's own work on such one-line
 * statements (measured: 650 µs of CPU per document load through `$queryRaw`, 120 µs through
 * the pool), which decides how fast a restarted instance takes its clients back.
 */
export type Sql = Pick<pg.Pool, "query">;

export interface DatabaseClients {
  prisma: PrismaClient;
  /** The pool itself: plain statements (`query`) and transactions (`connect`, see inTransaction). */
  sql: Sql & TransactionPool;
  /** Disconnects Prisma and ends the pool. Safe to call more than once. */
  close(): Promise<void>;
}

export interface PrismaOptions {
  /** Connections this client may open at once. Default 10. */
  poolSize?: number;
  /** Receives errors of idle pooled connections (e.g. the server restarted); they are otherwise dropped. */
  logger?: Logger;
}

/**
 * A Prisma client and plain SQL sharing one bounded node-postgres pool. The caller owns them and
 * calls `close()` when shutting down.
 */
export function createDatabaseClients(databaseUrl: string, options: PrismaOptions = {}): DatabaseClients {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  // Listening from the start: Prisma adds its own listener only once it first connects, and an
  // idle client's error with no listener would crash the process.
  pool.on("error", (error) => options.logger?.warn({ err: error }, "idle database connection failed"));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    sql: pool,
    close: () =>
      (closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })()),
  };
}
