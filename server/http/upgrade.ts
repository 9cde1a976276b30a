import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { errorCodeFor } from "../errors";
import type { Logger } from "../logger";

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void | Promise<void>;

export interface UpgradeRoute {
  /** Path prefix, e.g. "/collab/". */
  prefix: string;
  handle: UpgradeHandler;
}

/**
 * Routes the HTTP server's `upgrade` event by path: Tandem's WebSocket routes, then Next.js's
 * own paths (dev reload under /_next/), and anything else gets 400 and a closed socket.
 */
export function createUpgradeRouter(options: { routes: UpgradeRoute[]; next?: UpgradeHandler | undefined; logger: Logger }) {
  // Shared by every socket: a listener made per request would keep that request's URL alive as long as its socket.
  const onSocketError = (error: Error) => options.logger.debug({ err: error }, "upgrade socket error");
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", onSocketError);
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = options.routes.find((r) => url.pathname.startsWith(r.prefix));
    const handler = route?.handle ?? (url.pathname.startsWith("/_next/") ? options.next : undefined);
    if (!handler) {
      rejectUpgrade(socket, 400, `No WebSocket endpoint at ${url.pathname}`);
      return;
    }
    Promise.resolve(handler(req, socket, head, url)).catch((error: unknown) => {
      options.logger.error({ err: error, path: url.pathname }, "upgrade failed");
      rejectUpgrade(socket, 500, "Internal error");
    });
  };
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Answers an upgrade request with a plain HTTP error and closes the socket. The body is the
 * API's error shape, with the catalogue's code for the status (server/errors.ts).
 */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code: errorCodeFor(status), message } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
