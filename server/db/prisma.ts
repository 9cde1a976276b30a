import { PrismaPg } from "@prisma/adapter-pg";
import type { Logger } from "pino";
import { PrismaClient } from "./generated/client";

export type { PrismaClient };

export interface PrismaOptions {
  /** Connections this client may open at once. Default 10. */
  poolSize?: number;
  /** Receives errors of idle pooled connections (e.g. the server restarted); they are otherwise dropped. */
  logger?: Logger;
}

/**
 * A Prisma client over node-postgres with a bounded pool. The caller owns it and calls
 * `$disconnect()` when shutting down.
 */
export function createPrisma(databaseUrl: string, options: PrismaOptions = {}): PrismaClient {
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 },
    { onPoolError: (error) => options.logger?.warn({ err: error }, "idle database connection failed") },
  );
  return new PrismaClient({ adapter });
}
