import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import next from "next";

/** The parts of Next.js the HTTP server needs: pages, its own upgrades (dev reload), shutdown. */
export interface NextHandlers {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  close(): Promise<void>;
}

export async function createNextHandlers(options: { dev: boolean; dir: string; hostname: string; port: number }): Promise<NextHandlers> {
  const app = next({ dev: options.dev, dir: options.dir, hostname: options.hostname, port: options.port, customServer: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = app.getUpgradeHandler();
  return {
    handle: (req, res) => handle(req, res),
    upgrade: (req, socket, head) => upgrade(req, socket, head),
    close: () => app.close(),
  };
}
