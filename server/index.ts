/**
 * `npm start` / `npm run dev`: one Tandem instance on one port (pages, API, WebSockets).
 * Configuration comes from the environment; see README "Configuration".
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { startTandem } from "./tandem";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");

async function main(): Promise<void> {
  const config = loadConfig(process.env, { dev, cwd: root });
  const logger = createLogger(config.logLevel);
  let tandem: Awaited<ReturnType<typeof startTandem>>;
  try {
    tandem = await startTandem({ config, logger, root, pages: true });
  } catch (error) {
    logger.fatal({ err: error }, error instanceof ConfigError ? error.message : "Tandem failed to start");
    process.exit(1);
  }
  logger.info({ url: tandem.url, mode: dev ? "development" : "production", database: config.databaseUrl ? "DATABASE_URL" : "embedded" }, "Tandem is listening");

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    tandem.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
