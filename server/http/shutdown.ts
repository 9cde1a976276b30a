import type { Server } from "node:http";
import type { Logger } from "../logger";

/**
 * Stops accepting connections, lets in-flight requests finish (up to `graceMs`), then closes
 * whatever is still open (long-lived streams) so shutdown always completes.
 */
export async function gracefulClose(server: Server, options: { logger: Logger; graceMs?: number }): Promise<void> {
  const graceMs = options.graceMs ?? 10_000;
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      options.logger.warn({ graceMs }, "requests still open after the grace period; closing them");
      server.closeAllConnections();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
