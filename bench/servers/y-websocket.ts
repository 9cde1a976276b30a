import path from "node:path";
import { randomUUID } from "node:crypto";
import { freePort, spawnServer } from "./process";
import type { DocumentSpec, ProvisionRequest, StartOptions, Target } from "./target";

/**
 * Starts `@y/websocket-server` with its own start script (`node ./src/server.js`, in memory) on
 * 127.0.0.1. It cannot report a port it picked, so it gets one that is free now.
 */
export async function startYWebsocketServer(options: StartOptions): Promise<Target> {
  const port = await freePort();
  const script = path.join(options.root, "node_modules", "@y", "websocket-server", "src", "server.js");
  const nodeArgs = [...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []), script];
  const server = spawnServer(process.execPath, nodeArgs, { env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), NODE_ENV: "production" }, cwd: options.root, pin: options.pin });
  try {
    await server.waitForLine((line) => (line.startsWith("running at") ? true : undefined), 60_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const provision = async ({ documents, clientsPerDocument }: ProvisionRequest): Promise<DocumentSpec[]> =>
    Array.from({ length: documents }, () => {
      const id = randomUUID();
      return { id, slots: Array.from({ length: clientsPerDocument }, () => ({ endpoint: { url: `ws://127.0.0.1:${port}/${id}`, headers: {}, framing: { kind: "plain" as const } } })) };
    });
  return { name: "y-websocket-server", pid: server.pid, provision, stop: () => server.stop() };
}
