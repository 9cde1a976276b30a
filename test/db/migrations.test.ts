import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyMigrations, diffMigrationsAgainstSchema, MIGRATIONS_DIR, MigrationError, SCHEMA_PATH } from "../../server/db/migrate";
import { createEmptyTestDatabase, type TestDatabase } from "../helpers/database";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

async function migrationNames(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("migrations and schema.prisma", () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "tandem-migrations-"));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("the migrations produce exactly schema.prisma (else run `npm run db:migration <name>`)", async () => {
    const missing = await diffMigrationsAgainstSchema(inject("testDatabaseServerUrl"), logger);
    expect(missing, `schema.prisma has changes no migration covers:\n${missing}`).toBeNull();
  });

  it("a schema change that no migration covers is reported as SQL", async () => {
    const schemaPath = path.join(scratch, "schema.prisma");
    const schema = await readFile(SCHEMA_PATH, "utf8");
    await writeFile(schemaPath, `${schema}\nmodel Probe {\n  id Int @id\n  note String @default("a;b")\n\n  @@map("probe")\n}\n`);

    const missing = await diffMigrationsAgainstSchema(inject("testDatabaseServerUrl"), logger, { schemaPath });

    expect(missing).toContain('CREATE TABLE "probe"');
  });
});

describe("applyMigrations", () => {
  const databases: TestDatabase[] = [];
  async function emptyDatabase(): Promise<string> {
    const database = await createEmptyTestDatabase();
    databases.push(database);
    return database.url;
  }
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });

  it("applies every migration once; applying again is a no-op", async () => {
    const url = await emptyDatabase();

    const first = await applyMigrations(url, logger);
    const second = await applyMigrations(url, logger);

    expect(first.applied).toEqual(await migrationNames());
    expect(second.applied).toEqual([]);
    const recorded = await query<{ migration_name: string; finished: boolean }>(
      url,
      "SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name",
    );
    expect(recorded).toEqual(first.applied.map((name) => ({ migration_name: name, finished: true })));
  });

  it("two processes starting at once on a fresh database both succeed, applying each migration once", async () => {
    const url = await emptyDatabase();

    const [a, b] = await Promise.all([applyMigrations(url, logger), applyMigrations(url, logger)]);

    expect([...a.applied, ...b.applied].sort()).toEqual(await migrationNames());
    expect([a.applied.length, b.applied.length]).toContain(0);
    const [{ count }] = (await query<{ count: string }>(url, "SELECT count(*) FROM _prisma_migrations")) as [{ count: string }];
    expect(Number(count)).toBe((await migrationNames()).length);
  });

  describe("with a scratch migrations folder", () => {
    let migrationsDir: string;
    beforeAll(async () => {
      migrationsDir = await mkdtemp(path.join(tmpdir(), "tandem-migrations-"));
      await cp(path.join(MIGRATIONS_DIR, "migration_lock.toml"), path.join(migrationsDir, "migration_lock.toml"));
    });
    afterAll(async () => {
      await rm(migrationsDir, { recursive: true, force: true });
    });
    async function addMigration(name: string, sql: string): Promise<void> {
      await mkdir(path.join(migrationsDir, name));
      await writeFile(path.join(migrationsDir, name, "migration.sql"), sql);
    }

    it("runs a migration as one script: semicolons inside literals survive, and a failure leaves nothing behind", async () => {
      const url = await emptyDatabase();
      await addMigration("1_literal", "CREATE TABLE note (body text);\nINSERT INTO note VALUES ('a;b');\n");
      await addMigration("2_broken", "CREATE TABLE half (id int);\nSELECT 1 / 0;\n");

      const failure = await applyMigrations(url, logger, { migrationsDir }).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(MigrationError);
      expect(await query(url, "SELECT body FROM note")).toEqual([{ body: "a;b" }]);
      expect(await query(url, "SELECT to_regclass('half') AS half")).toEqual([{ half: null }]);
      const recorded = await query(url, "SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY 1");
      expect(recorded).toEqual([
        { migration_name: "1_literal", finished: true },
        { migration_name: "2_broken", finished: false },
      ]);
    });
  });
});
