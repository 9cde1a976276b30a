import { mapLimit } from "../concurrency";
import type { LeanClient } from "../clients/lean-client";
import { SseClient } from "../clients/sse-client";
import type { TandemUser } from "../clients/tandem-api";
import { connectDocuments } from "../load/connect";
import type { DocumentSpec } from "../servers";
import { CpuMeter, rssKiB } from "../stats";
import { metric, type Scenario } from "./types";

/** Lets the server's memory settle after a wave of connections before RSS is read. */
const SETTLE_MS = 2_000;
/**
 * Memory per connection is the slope of RSS against connections opened: the first wave (this
 * share of the connections) absorbs one-off costs (code loaded, caches, JIT) and is left out;
 * the rest open in MEASURED_WAVES equal waves with RSS read after each, and the least-squares
 * slope through those readings is what each further connection costs. One reading alone moves
 * by several KiB per connection with where the garbage collector happens to be.
 */
const FIRST_WAVE = 0.1;
const MEASURED_WAVES = 6;

async function settledRss(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return rssKiB(pid);
}

interface Wave<T> {
  open: T[];
  failed: number;
  firstError: string | undefined;
  elapsedMs: number;
}

/** Least-squares slope of y against x. */
function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  return variance > 0 ? covariance / variance : Number.NaN;
}

/** Opens the connections in waves (see FIRST_WAVE), reading RSS after each. */
async function inWaves<T>(pid: number, count: number, openWave: (from: number, to: number) => Promise<Wave<T>>) {
  const first = Math.max(1, Math.floor(count * FIRST_WAVE));
  const bounds = [0, first, ...Array.from({ length: MEASURED_WAVES }, (_, i) => first + Math.round(((count - first) * (i + 1)) / MEASURED_WAVES))];
  const cpu = new CpuMeter(pid);
  const open: T[] = [];
  const readings: Array<{ x: number; y: number }> = [];
  let failed = 0;
  let firstError: string | undefined;
  let elapsed = 0;
  let serverCpuMs = 0;
  let childrenCpuMs = 0;
  for (let i = 1; i < bounds.length; i++) {
    const [from, to] = [bounds[i - 1] as number, bounds[i] as number];
    if (to <= from) continue;
    await cpu.start();
    const wave = await openWave(from, to);
    const used = await cpu.stopAll();
    open.push(...wave.open);
    failed += wave.failed;
    firstError ??= wave.firstError;
    elapsed += wave.elapsedMs;
    serverCpuMs += used.server * wave.elapsedMs;
    childrenCpuMs += used.children * wave.elapsedMs;
    readings.push({ x: open.length, y: await settledRss(pid) });
  }
  return {
    open,
    failed,
    firstError,
    perSecond: (open.length * 1000) / elapsed,
    serverCpu: serverCpuMs / elapsed,
    childrenCpu: childrenCpuMs / elapsed,
    kibEach: slope(readings),
    rssAfter: readings.at(-1)?.y ?? Number.NaN,
  };
}

function openSockets(specs: readonly DocumentSpec[], concurrency: number) {
  return async (from: number, to: number): Promise<Wave<LeanClient>> => {
    const connected = await connectDocuments(specs.slice(from, to), { awareness: true, concurrency, timeoutMs: 60_000 });
    return { open: connected.clients.flat(), failed: connected.failed, firstError: connected.firstError, elapsedMs: connected.elapsedMs };
  };
}

function openStreams(url: string, people: readonly TandemUser[], concurrency: number) {
  return async (from: number, to: number): Promise<Wave<SseClient>> => {
    const open: SseClient[] = [];
    let failed = 0;
    let firstError: string | undefined;
    const started = performance.now();
    await mapLimit(
      Array.from({ length: to - from }, (_, i) => people[(from + i) % people.length] as TandemUser),
      concurrency,
      async (user) => {
        const stream = new SseClient(url, user.cookie);
        try {
          await stream.open(60_000);
          open.push(stream);
        } catch (error) {
          failed += 1;
          firstError ??= error instanceof Error ? error.message : String(error);
          stream.close();
        }
      },
    );
    return { open, failed, firstError, elapsedMs: performance.now() - started };
  };
}

/**
 * Thousands of idle connections, each WebSocket on its own document (plus, on Tandem, as many
 * SSE streams), held through the heartbeats: memory per connection, connect rate, and how many
 * the server dropped.
 */
export const idle: Scenario = {
  name: "idle",
  supports: () => true,
  async run({ target, options, log }) {
    const { websockets, streams, users, holdMs, concurrency } = options.idle;
    const specs = await target.provision({ documents: websockets, clientsPerDocument: 1, users });
    // Setting up thousands of documents through the API leaves garbage behind: start afresh.
    if (target.restart) {
      await target.restart();
      log("restarted the server after setting up");
    }
    const baseline = await settledRss(target.pid);

    const ws = await inWaves(target.pid, specs.length, openSockets(specs, concurrency));
    log(`${ws.open.length} WebSockets open (${ws.failed} failed) at ${ws.perSecond.toFixed(0)}/s, ${ws.kibEach.toFixed(1)} KiB each`);

    const tandem = target.tandem;
    const people = specs.flatMap((spec) => spec.slots.map((slot) => slot.user)).filter((u): u is TandemUser => u !== undefined);
    const sse = tandem && streams > 0 ? await inWaves(target.pid, streams, openStreams(`${tandem.baseUrl}/api/events`, people, concurrency)) : undefined;
    if (sse) log(`${sse.open.length} event streams open (${sse.failed} failed) at ${sse.perSecond.toFixed(0)}/s, ${sse.kibEach.toFixed(1)} KiB each`);

    log(`holding for ${holdMs / 1000} s`);
    // The hold is the measurement: it spans at least one WebSocket ping (HEARTBEAT_MS, 30 s) and
    // several SSE heartbeats (15 s), which is what must not drop anyone.
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    const held = await rssKiB(target.pid);
    const lostWs = ws.open.filter((s) => s.closed).length;
    const lostSse = sse?.open.filter((s) => s.ended).length ?? 0;
    const heartbeats = sse?.open.reduce((sum, s) => sum + s.comments, 0) ?? 0;

    for (const socket of ws.open) socket.terminate();
    for (const stream of sse?.open ?? []) stream.close();

    const failures: string[] = [];
    if (ws.failed > 0) failures.push(`${ws.failed} WebSockets could not connect: ${ws.firstError}`);
    if (sse && sse.failed > 0) failures.push(`${sse.failed} event streams could not open: ${sse.firstError}`);
    if (lostWs + lostSse > 0) failures.push(`lost during the hold: ${lostWs} WebSockets, ${lostSse} event streams`);
    return {
      metrics: [
        metric("WebSockets held", "", ws.open.length - lostWs, "higher"),
        metric("WebSocket connect rate", "conn/s", ws.perSecond, "higher"),
        metric("server CPU while connecting", "% core", ws.serverCpu, null),
        metric("PostgreSQL CPU while connecting", "% core", ws.childrenCpu, null),
        metric("server RSS before connecting", "MiB", baseline / 1024, null),
        metric("KiB per WebSocket", "KiB", ws.kibEach, "lower"),
        metric("event streams held", "", sse ? sse.open.length - lostSse : null, "higher"),
        metric("event stream connect rate", "conn/s", sse?.perSecond ?? null, "higher"),
        metric("server CPU while opening streams", "% core", sse?.serverCpu ?? null, null),
        metric("PostgreSQL CPU while opening streams", "% core", sse?.childrenCpu ?? null, null),
        metric("KiB per event stream", "KiB", sse?.kibEach ?? null, "lower"),
        metric("server RSS at end of hold", "MiB", held / 1024, "lower"),
        metric("connections lost", "", lostWs + lostSse, "lower"),
      ],
      failures,
      notes: [
        `KiB per connection: least-squares slope of RSS over the last ${Math.round((1 - FIRST_WAVE) * 100)}% of the connections, opened in ${MEASURED_WAVES} waves, RSS read ${SETTLE_MS / 1000} s after each`,
        ...(sse ? [`${heartbeats} SSE heartbeats received during the hold`] : []),
      ],
    };
  },
};
