import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { mapLimit } from "../concurrency";
import type { Endpoint } from "../clients/lean-client";
import { TandemApi, type TandemUser } from "../clients/tandem-api";
import { spawnServer, type ServerProcess } from "./process";
import type { DocumentSpec, ProvisionRequest, StartOptions, Target, TandemExtras } from "./target";

/** Parallel API calls while setting up (sign-up hashes passwords: keep it modest). */
const SETUP_CONCURRENCY = 16;
/** First start may run `next build` (a minute or two on one core). */
const READY_TIMEOUT_MS = 15 * 60_000;

/** Traffic and connection limits far above any scenario's load (see README "Security"). */
const BENCH_LIMITS = {
  WS_MESSAGES_PER_SECOND: "10000000",
  WS_MESSAGE_BURST: "10000000",
  WS_BYTES_PER_SECOND: "100000000000",
  AWARENESS_PER_SECOND: "10000000",
  USER_MESSAGES_PER_SECOND: "10000000",
  USER_BYTES_PER_SECOND: "100000000000",
  ADDRESS_MESSAGES_PER_SECOND: "10000000",
  ADDRESS_BYTES_PER_SECOND: "100000000000",
  MAX_CONNECTIONS_PER_USER: "1000000",
  MAX_CONNECTIONS_PER_ADDRESS: "1000000",
  // The mention scenario has one author mention someone a hundred times in a minute.
  MENTIONS_PER_MINUTE: "1000000",
};

/**
 * Starts the production Tandem server exactly as `npm start` does (`tsx server/index.ts`, here as
 * `node --import tsx` so that the pid is the server's own), with NODE_ENV=production on a free
 * port, and the embedded PostgreSQL in `dataDir` unless DATABASE_URL is set.
 */
export async function startTandem(options: StartOptions): Promise<Target> {
  // One secret for the target's life, so sessions survive a restart.
  const secret = randomBytes(32).toString("hex");
  const launch = async (port: number): Promise<{ server: ServerProcess; baseUrl: string }> => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: options.dataDir,
      BETTER_AUTH_SECRET: secret,
      AUTH_RATE_LIMIT_MAX: "1000000",
      // Every simulated person shares a handful of accounts and one address (127.0.0.1), the
      // trace and ceiling scenarios send far faster per socket than anyone types, and the mention
      // scenario's one author mentions far more often: the limits, meant for one real person or
      // office, would throttle the load itself. They are raised,
      // not switched off: every message still pays for every check.
      ...BENCH_LIMITS,
      LOG_LEVEL: process.env.BENCH_TANDEM_LOG_LEVEL ?? "info",
    };
    // One instance, like the peers: with REDIS_URL it would also publish every update to Redis.
    delete env.REDIS_URL;
    const nodeArgs = [...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []), "--import", "tsx", "server/index.ts"];
    const server = spawnServer(process.execPath, nodeArgs, { env, cwd: options.root, pin: options.pin });
    try {
      const url = await server.waitForLine((line) => {
        if (!line.startsWith("{")) return undefined;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        return entry.msg === "Tandem is listening" ? entry.url : undefined;
      }, READY_TIMEOUT_MS);
      return { server, baseUrl: url };
    } catch (error) {
      await server.stop();
      throw error;
    }
  };
  let { server, baseUrl } = await launch(0);
  const databaseUrl = process.env.DATABASE_URL ?? (await embeddedDatabaseUrl(options.dataDir));
  const api = new TandemApi(baseUrl);
  const pool: TandemUser[] = [];

  const users = async (n: number): Promise<TandemUser[]> => {
    if (pool.length < n) {
      const created = await mapLimit(
        Array.from({ length: n - pool.length }, (_, i) => pool.length + i),
        SETUP_CONCURRENCY,
        (i) => api.signUp(`Bench User ${i + 1}`),
      );
      pool.push(...created);
    }
    return pool.slice(0, n);
  };

  const endpoint = (user: TandemUser, documentId: string, endpointOptions: { acks?: boolean } = {}): Endpoint => ({
    url: `${baseUrl.replace(/^http/, "ws")}/collab/${documentId}${endpointOptions.acks ? "?acks=1" : ""}`,
    headers: { cookie: user.cookie, origin: baseUrl },
    framing: { kind: "plain" },
  });

  const tandem: TandemExtras = { api, baseUrl, databaseUrl, users, endpoint };

  const provision = async ({ documents, clientsPerDocument, users: userCount = clientsPerDocument }: ProvisionRequest): Promise<DocumentSpec[]> => {
    const people = await users(userCount);
    const userOf = (doc: number, slot: number) => people[(doc * clientsPerDocument + slot) % people.length] as TandemUser;
    return mapLimit(
      Array.from({ length: documents }, (_, i) => i),
      SETUP_CONCURRENCY,
      async (doc) => {
        const seats = Array.from({ length: clientsPerDocument }, (_, slot) => userOf(doc, slot));
        const owner = seats[0] as TandemUser;
        const id = await api.createDocument(owner, `Bench ${doc + 1}`);
        const members = new Set<string>([owner.id]);
        for (const user of seats) {
          if (members.has(user.id)) continue;
          members.add(user.id);
          await api.addMember(owner, id, user);
        }
        return { id, slots: seats.map((user) => ({ user, endpoint: endpoint(user, id) })) };
      },
    );
  };

  const port = Number(new URL(baseUrl).port);
  return {
    name: "tandem",
    get pid() {
      return server.pid;
    },
    provision,
    tandem,
    // Same port, so the endpoints handed out stay valid; same database and secret, so do the sessions.
    restart: async () => {
      await server.stop();
      ({ server, baseUrl } = await launch(port));
    },
    stop: () => server.stop(),
  };
}

/** The URL of the embedded PostgreSQL, from the instance file the server keeps in DATA_DIR. */
async function embeddedDatabaseUrl(dataDir: string): Promise<string> {
  const instance = JSON.parse(await readFile(path.join(dataDir, "postgres", "instance.json"), "utf8")) as { port: number; password: string };
  return `postgresql://postgres:${encodeURIComponent(instance.password)}@127.0.0.1:${instance.port}/tandem`;
}
