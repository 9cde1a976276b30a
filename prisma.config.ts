import { existsSync } from "node:fs";
import { defineConfig } from "prisma/config";

// The Prisma CLI downloads its native schema engine before every command, even `generate`,
// which never runs it. Where that download cannot happen (offline machines, closed CI), point
// the CLI at any existing file so `generate`, `validate` and `format` work. Migrations never
// need the native engine: the server applies them with the WebAssembly engine (server/db/migrate.ts).
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY && !existsSync("node_modules/@prisma/engines/schema-engine-debian-openssl-3.0.x")) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Read with a fallback: `env()` throws during a postinstall `generate` when the variable is unset.
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/tandem" },
});
