import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createUpgradeRouter, rejectUpgrade } from "./upgrade";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function listen(router: ReturnType<typeof createUpgradeRouter>): Promise<number> {
  server = createServer((_req, res) => res.end());
  server.on("upgrade", router);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Sends a WebSocket upgrade request and returns the HTTP status the server answered with. */
function upgradeStatus(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", path, headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("upgrade", () => resolve({ status: 101, body: "" }));
    req.on("error", reject);
    req.end();
  });
}

describe("upgrade routing", () => {
  const logger = pino({ level: "silent" });

  it("answers 400 with a JSON reason for a path no route owns", async () => {
    const port = await listen(createUpgradeRouter({ routes: [], logger }));
    const reply = await upgradeStatus(port, "/somewhere");
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { message: expect.stringContaining("/somewhere") } });
  });

  it("gives a route its prefix, and Next.js only its /_next/ paths", async () => {
    const seen: string[] = [];
    const port = await listen(
      createUpgradeRouter({
        routes: [{ prefix: "/collab/", handle: (_req, socket, _head, url) => (seen.push(`collab ${url.pathname}`), rejectUpgrade(socket, 404, "nope")) }],
        next: (req, socket) => (seen.push(`next ${req.url}`), rejectUpgrade(socket, 401, "nope")),
        logger,
      }),
    );
    expect((await upgradeStatus(port, "/collab/abc")).status).toBe(404);
    expect((await upgradeStatus(port, "/_next/webpack-hmr")).status).toBe(401);
    expect((await upgradeStatus(port, "/collabx")).status).toBe(400);
    expect(seen).toEqual(["collab /collab/abc", "next /_next/webpack-hmr"]);
  });

  it("answers 500 when a handler throws", async () => {
    const port = await listen(createUpgradeRouter({ routes: [{ prefix: "/x/", handle: () => Promise.reject(new Error("boom")) }], logger }));
    expect((await upgradeStatus(port, "/x/1")).status).toBe(500);
  });
});
