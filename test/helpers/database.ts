/**
 * Databases for integration tests, on the server that test/global-setup.ts provides.
 *
 *   const db = await createTestDatabase();   // migrated, empty of rows, private to the caller
 *   afterAll(() => db.drop());
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { createDatabaseClients, type DatabaseClients, type PrismaClient } from "../../server/db/prisma";
import { databaseUrl, dropDatabase, runAdmin } from "./admin";

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Ends its connections and drops it. Safe to call more than once. */
  drop(): Promise<void>;
}

/** A fresh database with every migration applied (a copy of the run's template database). */
export function createTestDatabase(): Promise<TestDatabase> {
  return create(inject("testDatabaseTemplate"));
}

/**
 * A fresh database with a Prisma client and plain SQL on it for one test file: opened before its
 * tests, disconnected and dropped after them. Read `prisma` and `sql` inside tests and hooks.
 */
export function testDatabaseWithPrisma(): { readonly prisma: PrismaClient; readonly sql: DatabaseClients["sql"]; createDocument(): Promise<string> } {
  let db: TestDatabase | undefined;
  let opened: DatabaseClients | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    opened = createDatabaseClients(db.url);
  });
  afterAll(async () => {
    await opened?.close();
    await db?.drop();
  });
  const clients = (): DatabaseClients => {
    if (!opened) throw new Error("testDatabaseWithPrisma: the database opens in beforeAll; use it inside tests and hooks");
    return opened;
  };
  return {
    get prisma() {
      return clients().prisma;
    },
    get sql() {
      return clients().sql;
    },
    createDocument: async () => (await clients().prisma.document.create({ data: { title: "t" } })).id,
  };
}

/** A fresh database without any schema, e.g. to apply migrations to. */
export function createEmptyTestDatabase(): Promise<TestDatabase> {
  return create("template0");
}

async function create(template: string): Promise<TestDatabase> {
  const serverUrl = inject("testDatabaseServerUrl");
  // Named after the run's template so that global teardown drops any that a test leaves behind.
  const name = `${inject("testDatabaseTemplate")}_${randomBytes(6).toString("hex")}`;
  await runAdmin(serverUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`));
  let dropping: Promise<void> | undefined;
  return {
    url: databaseUrl(serverUrl, name),
    drop: () => (dropping ??= dropDatabase(serverUrl, name)),
  };
}
