/**
 * Runs once per `vitest run`: provides a PostgreSQL server and a migrated template database.
 * With DATABASE_URL set, that server is used (its user needs CREATEDB); otherwise an embedded
 * PostgreSQL is started in a fresh temporary folder and removed afterwards. Every database made
 * by test/helpers/database.ts is named after the template and dropped at teardown at the latest.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../server/db/embedded-postgres";
import { applyMigrations } from "../server/db/migrate";
import { databaseUrl, dropDatabase, runAdmin } from "./helpers/admin";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of a database on the test server, for administrative connections. */
    testDatabaseServerUrl: string;
    /** Name of the migrated template database to clone. */
    testDatabaseTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  try {
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      const dataDir = await mkdtemp(path.join(tmpdir(), "tandem-test-pg-"));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      // As root PostgreSQL runs as the `postgres` user, which must be able to enter the folder.
      await chmod(dataDir, 0o755);
      const server: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir, logger });
      cleanups.push(server.stop);
      serverUrl = server.url;
    }

    const template = `tandem_t_${randomBytes(4).toString("hex")}`;
    await runAdmin(serverUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(template)}`));
    const adminUrl = serverUrl;
    cleanups.push(() => dropRunDatabases(adminUrl, template));
    await applyMigrations(databaseUrl(serverUrl, template), logger);
    // Nothing may connect to a template while it is cloned.
    await runAdmin(serverUrl, (client) => client.query(`ALTER DATABASE ${client.escapeIdentifier(template)} WITH ALLOW_CONNECTIONS false`));

    project.provide("testDatabaseServerUrl", serverUrl);
    project.provide("testDatabaseTemplate", template);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}

/** Drops the template and every test database cloned from it that a test left behind. */
async function dropRunDatabases(serverUrl: string, template: string): Promise<void> {
  const leftovers = await runAdmin(serverUrl, (client) =>
    client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2)", [template, `${template}_`]),
  );
  for (const { datname } of leftovers.rows) await dropDatabase(serverUrl, datname);
}

