import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // tsconfig's "@/*" path, for browser modules under test that import shared code by it.
  resolve: { alias: [{ find: /^@\//, replacement: fileURLToPath(new URL("./", import.meta.url)) }] },
  test: {
    environment: "node",
    include: ["server/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts"],
    // Starts PostgreSQL (embedded unless DATABASE_URL is set) and builds the migrated template
    // database that test/helpers/database.ts clones for each test.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
