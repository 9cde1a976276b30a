import type { Logger } from "pino";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { applyMigrations } from "./migrate";

export interface OpenDatabaseOptions {
  /** An external PostgreSQL (DATABASE_URL). Without it Tandem runs its own under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  logger: Logger;
}

export interface Database {
  url: string;
  /** True when Tandem started the PostgreSQL server itself. */
  embedded: boolean;
  /** Stops the embedded server (a no-op for an external one). Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Connects to DATABASE_URL's database, or starts the embedded PostgreSQL, and brings its schema
 * up to date with `prisma/migrations`.
 *
 * @throws {EmbeddedPostgresError} when the embedded server cannot start.
 * @throws {MigrationError} when the migrations cannot be applied.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { databaseUrl, dataDir, logger } = options;
  if (databaseUrl) {
    logger.info({ database: redactPassword(databaseUrl) }, "using the configured PostgreSQL database");
    await applyMigrations(databaseUrl, logger);
    return { url: databaseUrl, embedded: false, stop: async () => undefined };
  }

  const server = await startEmbeddedPostgres({ dataDir, logger });
  try {
    await applyMigrations(server.url, logger);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: server.url, embedded: true, stop: server.stop };
}

/** The URL with its password replaced, for logs. */
export function redactPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable database URL)";
  }
}
