/**
 * Applies `prisma/migrations/<name>/migration.sql` with Prisma's WebAssembly schema engine, so
 * no Prisma CLI or native engine is needed at run time. The engine writes the standard
 * `_prisma_migrations` table: `prisma migrate deploy` can take over where it is available.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm";
import pg from "pg";
import type { Logger } from "pino";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Where migrations live and which schema they must match, resolved from this file's location. */
export const MIGRATIONS_DIR = path.join(REPO_ROOT, "prisma", "migrations");
export const SCHEMA_PATH = path.join(REPO_ROOT, "prisma", "schema.prisma");

/**
 * Session-level advisory lock taken around applying migrations, so that servers starting at
 * once apply them one after the other. ASCII "tandem"; distinct from the key the engine itself
 * takes (72707369), which it acquires with a timeout on a connection of its own.
 */
export const MIGRATION_LOCK_KEY = 0x74616e64656dn;
const LOCK_WAIT_TIMEOUT_MS = 5 * 60_000;
const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

/** Where to read migrations and the schema; defaults to this repository's `prisma/` folder. */
export interface MigrationSources {
  migrationsDir?: string;
  schemaPath?: string;
}

/** Applying or diffing migrations failed. `code` is Prisma's error code when it gave one (e.g. P3009). */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  readonly code: string | undefined;
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    const code = (options.cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === "string" ? code : undefined;
  }
}

/**
 * Applies every migration in `prisma/migrations` that the database has not recorded yet.
 * Safe to run from several processes at once against one database.
 *
 * @returns the names of the migrations applied by this call (empty when up to date).
 * @throws {MigrationError} when a migration fails or the history has failed entries (P3009).
 */
export async function applyMigrations(databaseUrl: string, logger: Logger, sources: MigrationSources = {}): Promise<{ applied: string[] }> {
  const { migrationsDir = MIGRATIONS_DIR, schemaPath = SCHEMA_PATH } = sources;
  const started = performance.now();
  const log = logger.child({ component: "migrate" });
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await acquireMigrationLock(lock, log);
    const [migrationsList, schema] = await Promise.all([readMigrationsList(migrationsDir), readFile(schemaPath, "utf8")]);
    const applied = await withSchemaEngine(databaseUrl, schemaPath, schema, log, async (engine) => {
      try {
        const output = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
        return output.appliedMigrationNames;
      } catch (error) {
        throw engineFailure("Applying database migrations failed", error);
      }
    });
    log.info({ applied, ms: Math.round(performance.now() - started) }, applied.length ? "applied database migrations" : "database schema is up to date");
    return { applied };
  } finally {
    // Ending the session releases the advisory lock even if the unlock query cannot run.
    await lock.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    await lock.end();
  }
}

/**
 * The SQL that would bring a database built from `prisma/migrations` to `prisma/schema.prisma`,
 * or null when the migrations already produce the schema. Replays the migrations in a temporary
 * shadow database created (and dropped) on the server of `shadowServerUrl`; that URL's user
 * needs CREATEDB.
 *
 * @throws {MigrationError} when a migration does not apply to the shadow database.
 */
export async function diffMigrationsAgainstSchema(shadowServerUrl: string, logger: Logger, sources: MigrationSources = {}): Promise<string | null> {
  const { migrationsDir = MIGRATIONS_DIR, schemaPath = SCHEMA_PATH } = sources;
  const log = logger.child({ component: "migrate" });
  const [migrationsList, schema] = await Promise.all([readMigrationsList(migrationsDir), readFile(schemaPath, "utf8")]);
  return withSchemaEngine(shadowServerUrl, schemaPath, schema, log, async (engine) => {
    try {
      const result = await engine.diff({
        // The engine needs migration_lock.toml to read a migrations folder; with no migration yet
        // there may be none, and the starting point is simply an empty database.
        from: migrationsList.migrationDirectories.length ? { tag: "migrations", ...migrationsList } : { tag: "empty" },
        to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
        script: true,
        // Makes the engine report a non-empty diff as exit code 2.
        exitCode: true,
        filters: NO_FILTER,
      });
      return result.exitCode === 2 ? (result.stdout ?? "") : null;
    } catch (error) {
      throw engineFailure("Comparing the migrations with schema.prisma failed", error);
    }
  });
}

/** The migrations folder in the engine's format (what the Prisma CLI sends it). */
export async function readMigrationsList(migrationsDir: string): Promise<MigrationList> {
  const lockfilePath = "migration_lock.toml";
  const lockfileContent = await readFile(path.join(migrationsDir, lockfilePath), "utf8").catch(() => null);
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const directories = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort((a, b) => a.localeCompare(b));
  const migrationDirectories = await Promise.all(
    directories.map(async (name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: await readFile(path.join(migrationsDir, name, "migration.sql"), "utf8").then(
          (value) => ({ tag: "ok" as const, value }),
          (error: Error) => ({ tag: "error" as const, value: error.message }),
        ),
      },
    })),
  );
  return { baseDir: migrationsDir, lockfile: { path: lockfilePath, content: lockfileContent }, shadowDbInitScript: "", migrationDirectories };
}

async function acquireMigrationLock(client: pg.Client, logger: Logger): Promise<void> {
  const key = MIGRATION_LOCK_KEY.toString();
  const tried = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [key]);
  if (tried.rows[0]?.locked) return;
  logger.info("another process is applying migrations; waiting for it");
  await client.query(`SET statement_timeout = ${LOCK_WAIT_TIMEOUT_MS}`);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [key]);
  } catch (error) {
    throw new MigrationError(`Another process held the migration lock (pg_advisory_lock(${key})) for over ${LOCK_WAIT_TIMEOUT_MS / 1000} s`, { cause: error });
  }
  await client.query("RESET statement_timeout");
}

// ---- The WebAssembly schema engine ----

type SchemaEngineClass = typeof SchemaEngine;
let schemaEngineClass: Promise<SchemaEngineClass> | undefined;

/**
 * Loads the engine once per process: wasm-bindgen keeps one instance in module state, and
 * loading it twice breaks it. The package's entry imports the .wasm file as an ES module, which
 * Node 20 cannot do, so the module is instantiated by hand against the package's JS glue.
 */
function loadSchemaEngine(): Promise<SchemaEngineClass> {
  schemaEngineClass ??= (async () => {
    installPanicRegistry();
    const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    // The .wasm file is not exported by the package; it sits beside its entry point.
    // (createRequire rather than import.meta.resolve, which Vitest's module runner lacks.)
    const entry = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm");
    const wasmModule = new WebAssembly.Module(await readFile(path.join(path.dirname(entry), "schema_engine_bg.wasm")));
    // The glue module's exports are exactly the imports the wasm module declares.
    const imports: WebAssembly.ModuleImports = { ...(glue as unknown as WebAssembly.ModuleImports) };
    // The engine arms a 10 s timer around taking its advisory lock and never clears it, which
    // holds a finished process open for 10 s. Unreferenced, it still fires while work is pending.
    for (const name of Object.keys(imports).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
      imports[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
    }
    const instance = new WebAssembly.Instance(wasmModule, { "./schema_engine_bg.js": imports });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue.SchemaEngine;
  })();
  return schemaEngineClass;
}

/**
 * The engine's panic hook writes the panic message into this global (the Prisma CLI defines it)
 * and throws a TypeError without it. The panics seen so far then surface as an uncaught
 * `RuntimeError: unreachable` from a microtask, which no caller can catch; should a call reject
 * instead, the recorded message is put into the MigrationError.
 */
interface PanicRegistry {
  message: string;
  set_message(message: string): void;
}
const panicHolder = globalThis as typeof globalThis & { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry };
function installPanicRegistry(): void {
  panicHolder.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: "",
    set_message(message: string) {
      this.message = message;
    },
  };
}
function engineFailure(message: string, error: unknown): MigrationError {
  const panic = takePanicMessage();
  return new MigrationError(panic ? `${message}: the schema engine panicked: ${panic}` : message, { cause: error });
}
function takePanicMessage(): string | undefined {
  const registry = panicHolder.PRISMA_WASM_PANIC_REGISTRY;
  const message = registry?.message || undefined;
  if (registry) registry.message = "";
  return message;
}

async function withSchemaEngine<T>(
  databaseUrl: string,
  schemaPath: string,
  schema: string,
  logger: Logger,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const Engine = await loadSchemaEngine();
  const adapters = new MigrationAdapterFactory(databaseUrl);
  try {
    const engine = await Engine.new({ datamodels: [[schemaPath, schema]] }, (line: string) => logEngineLine(logger, line), bindMigrationAwareSqlAdapterFactory(adapters));
    try {
      return await run(engine);
    } finally {
      engine.free();
    }
  } finally {
    // The engine does not always dispose its connections; close them so the database can be
    // dropped or used as a template right after.
    await adapters.disposeAll();
  }
}

function logEngineLine(logger: Logger, line: string): void {
  let level = "INFO";
  let fields: unknown = line;
  try {
    const parsed = JSON.parse(line) as { level?: unknown; fields?: unknown };
    if (typeof parsed.level === "string") level = parsed.level;
    fields = parsed.fields ?? parsed;
  } catch {
    // not JSON: log the raw line
  }
  if (level === "ERROR" || level === "WARN") logger.warn({ engine: fields }, "schema engine");
  else logger.debug({ engine: fields }, "schema engine");
}

type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;

/**
 * Driver adapters for the schema engine, over @prisma/adapter-pg with these changes (besides
 * the `"char"` columns, see connectAdapter):
 * - `executeScript` sends the whole migration as one simple-protocol query, so PostgreSQL runs
 *   it as one implicit transaction (as the native engine does). adapter-pg splits scripts on
 *   every ";" (breaking literals and function bodies) and runs the pieces one by one, which
 *   leaves a half-applied migration behind when a later statement fails.
 * - The shadow database is created and dropped (WITH FORCE) here, and every pool is tracked, so
 *   nothing stays connected after the engine is done (adapter-pg leaks one pool per shadow).
 */
class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  private readonly open = new Set<SqlDriverAdapter>();
  private readonly charColumns = new WeakMap<object, number[]>();

  constructor(private readonly databaseUrl: string) {}

  async connect(): Promise<SqlDriverAdapter> {
    return this.track(await connectAdapter(this.databaseUrl, this.charColumns), async () => undefined);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `tandem_shadow_${randomBytes(6).toString("hex")}`;
    await this.admin(`CREATE DATABASE "${name}"`);
    const shadowUrl = new URL(this.databaseUrl);
    shadowUrl.pathname = `/${name}`;
    try {
      const adapter = await connectAdapter(shadowUrl.toString(), this.charColumns);
      return this.track(adapter, () => this.admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    } catch (error) {
      await this.admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      throw error;
    }
  }

  async disposeAll(): Promise<void> {
    await Promise.all([...this.open].map((adapter) => adapter.dispose()));
  }

  private track(inner: PgAdapter, afterDispose: () => Promise<void>): SqlDriverAdapter {
    let disposed: Promise<void> | undefined;
    const adapter: SqlDriverAdapter = {
      provider: inner.provider,
      adapterName: inner.adapterName,
      queryRaw: async (query) => {
        const result = await inner.queryRaw(query);
        for (const index of this.charColumns.get(result.rows) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
        return result;
      },
      executeRaw: (query) => inner.executeRaw(query),
      startTransaction: (isolationLevel) => inner.startTransaction(isolationLevel),
      getConnectionInfo: () => inner.getConnectionInfo(),
      executeScript: async (script) => {
        try {
          await inner.underlyingDriver().query(script);
        } catch (error) {
          throw toDriverAdapterError(error);
        }
      },
      dispose: () => {
        disposed ??= (async () => {
          this.open.delete(adapter);
          await inner.dispose();
          await afterDispose();
        })();
        return disposed;
      },
    };
    this.open.add(adapter);
    return adapter;
  }

  private async admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

/**
 * adapter-pg over a pool that lets the engine read PostgreSQL's internal one-byte `"char"` type
 * (OID 18). The schema describer reads catalog columns of that type (contype, confdeltype, …) as
 * characters, but adapter-pg rejects the type as unsupported, so `diff` fails on any database
 * with a CHECK constraint, and on PostgreSQL 18 (NOT NULL constraints) on every schema.
 * The pool reports such columns as text and notes their positions under the result's `rows`
 * array (which adapter-pg returns as is); `queryRaw` then marks them as Character.
 */
async function connectAdapter(connectionString: string, charColumns: WeakMap<object, number[]>): Promise<PgAdapter> {
  const pool = new pg.Pool({ connectionString, max: 2 });
  const query = pool.query.bind(pool);
  // pg's `query` has many overloads; adapter-pg and this file only use the promise forms.
  pool.query = (async (...args: Parameters<typeof query>) => {
    const result: unknown = await (query as (...a: unknown[]) => Promise<unknown>)(...args);
    for (const each of Array.isArray(result) ? result : [result]) {
      const { fields, rows } = each as Partial<pg.QueryResult>;
      const positions: number[] = [];
      fields?.forEach((field, index) => {
        if (field.dataTypeID !== PG_CHAR_OID) return;
        field.dataTypeID = PG_TEXT_OID;
        positions.push(index);
      });
      if (positions.length && rows) charColumns.set(rows, positions);
    }
    return result;
  }) as typeof pool.query;
  return new PrismaPg(pool, { disposeExternalPool: true }).connect();
}
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/** The shape adapter-pg gives PostgreSQL errors, which the engine turns into readable messages. */
function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof pg.DatabaseError)) return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: error.code ?? "",
    severity: error.severity ?? "ERROR",
    message: error.message,
    detail: error.detail,
    column: error.column,
    hint: error.hint,
    originalCode: error.code,
    originalMessage: error.message,
  });
}
