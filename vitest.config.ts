import { defineConfig } from "vitest/config";

export default defineConfig({
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
