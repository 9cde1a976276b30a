export { openDatabase, redactPassword, type Database, type OpenDatabaseOptions } from "./database";
export {
  EMBEDDED_DATABASE_NAME,
  EmbeddedPostgresError,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from "./embedded-postgres";
export {
  applyMigrations,
  diffMigrationsAgainstSchema,
  MIGRATION_LOCK_KEY,
  MigrationError,
  MIGRATIONS_DIR,
  readMigrationsList,
  SCHEMA_PATH,
  type MigrationSources,
} from "./migrate";
export { createDatabaseClients, type DatabaseClients, type PrismaClient, type PrismaOptions, type Sql } from "./prisma";
export { inTransaction, type TransactionClient, type TransactionOptions, type TransactionPool } from "./transaction";
