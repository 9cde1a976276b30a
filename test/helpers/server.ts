import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import type { RoomRegistry } from "../../server/collab";
import { loadConfig } from "../../server/config";
import { startTandem } from "../../server/tandem";
import { createTestDatabase, type TestDatabase } from "./database";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TEST_AUTH_SECRET = "test-secret-that-is-at-least-32-characters-long";

/**
 * Traffic limits far above what a replay sends: for tests that drive many simulated people
 * through few accounts at machine speed (traces, load). Tests about the limits set their own.
 */
export const UNTHROTTLED: Record<string, string> = {
  WS_MESSAGES_PER_SECOND: "10000000",
  WS_MESSAGE_BURST: "10000000",
  WS_BYTES_PER_SECOND: "100000000000",
  USER_MESSAGES_PER_SECOND: "10000000",
  USER_BYTES_PER_SECOND: "100000000000",
  ADDRESS_MESSAGES_PER_SECOND: "10000000",
  ADDRESS_BYTES_PER_SECOND: "100000000000",
  AWARENESS_PER_SECOND: "10000000",
  MAX_CONNECTIONS_PER_USER: "100000",
  MAX_CONNECTIONS_PER_ADDRESS: "100000",
};

export interface TestServer {
  url: string;
  databaseUrl: string;
  /** The instance's rooms, e.g. to wait until a document has unloaded. */
  rooms: RoomRegistry;
  /** Shuts the server down gracefully, then drops its database unless the caller passed one in. */
  close(): Promise<void>;
}

export interface StartTestServerOptions {
  /**
   * Run on this database instead of a fresh one, e.g. to restart a server on the same data.
   * The caller owns it: `close()` leaves it in place.
   */
  database?: TestDatabase;
}

/**
 * An API-only Tandem (no Next.js pages) on a free port, with its own fresh database unless
 * `options.database` is given. `env` overrides the environment the server reads.
 */
export async function startTestServer(env: Record<string, string> = {}, options: StartTestServerOptions = {}): Promise<TestServer> {
  const owned = options.database === undefined;
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig(
    {
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: database.url,
      BETTER_AUTH_SECRET: TEST_AUTH_SECRET,
      AUTH_RATE_LIMIT_MAX: "1000",
      LOG_LEVEL: "silent",
      ...env,
    },
    { dev: false, cwd: REPO_ROOT },
  );
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const tandem = await startTandem({ config, logger, root: REPO_ROOT, pages: false }).catch(async (error: unknown) => {
    if (owned) await database.drop();
    throw error;
  });
  return {
    url: tandem.url,
    databaseUrl: database.url,
    rooms: tandem.rooms,
    close: async () => {
      await tandem.close();
      if (owned) await database.drop();
    },
  };
}
