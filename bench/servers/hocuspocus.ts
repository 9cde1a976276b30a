import path from "node:path";
import { randomUUID } from "node:crypto";
import { spawnServer } from "./process";
import type { DocumentSpec, ProvisionRequest, StartOptions, Target } from "./target";

/** Starts `@hocuspocus/server` (default settings, in memory) in its own process. */
export async function startHocuspocus(options: StartOptions): Promise<Target> {
  const nodeArgs = [...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []), "--import", "tsx", path.join("bench", "servers", "hocuspocus-main.ts")];
  const server = spawnServer(process.execPath, nodeArgs, { env: { ...process.env, NODE_ENV: "production" }, cwd: options.root, pin: options.pin });
  let url: string;
  try {
    url = await server.waitForLine((line) => (line.startsWith("{") ? (JSON.parse(line) as { url?: string }).url : undefined), 60_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  // One socket per document and user, as HocuspocusProvider opens without a shared socket.
  const provision = async ({ documents, clientsPerDocument }: ProvisionRequest): Promise<DocumentSpec[]> =>
    Array.from({ length: documents }, () => {
      const id = randomUUID();
      return { id, slots: Array.from({ length: clientsPerDocument }, () => ({ endpoint: { url, headers: {}, framing: { kind: "hocuspocus" as const, documentName: id } } })) };
    });
  return { name: "hocuspocus", pid: server.pid, provision, stop: () => server.stop() };
}
