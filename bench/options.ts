import path from "node:path";
import { parseArgs } from "node:util";
import { TARGET_NAMES, type TargetName } from "./servers";

export const SCENARIO_NAMES = ["fanout", "manydocs", "ceiling", "idle", "burst", "trace", "mention"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Every knob of every scenario; `--quick` picks small values, flags override either. */
export interface BenchOptions {
  scenarios: ScenarioName[];
  targets: TargetName[];
  quick: boolean;
  /** Pin server and generator to their own cores with taskset. */
  pin: boolean;
  /** Write a CPU profile of each Tandem run and print its hot spots. */
  profile: boolean;
  resultsDir: string;
  fanout: { clients: number; writers: number; ratePerWriter: number; durationMs: number };
  manydocs: { documents: number; clients: number; ratesPerDocument: number[]; durationMs: number };
  ceiling: { clients: number; writers: number; startRatePerWriter: number; factor: number; maxSteps: number; stepMs: number; p99LimitMs: number };
  idle: { websockets: number; streams: number; users: number; holdMs: number; concurrency: number };
  burst: { clients: number; bytes: number; repeats: number };
  trace: { file: string; limit: number; window: number; coldLoads: number };
  mention: { count: number; intervalMs: number };
  /** Wait this long after a load for the last deliveries. */
  drainMs: number;
}

const HELP = `npm run bench -- [options]

  --scenario NAME     fanout | manydocs | ceiling | idle | burst | trace | mention (repeatable; default all)
  --compare           also run @hocuspocus/server and @y/websocket-server, and print Tandem/peer ratios
  --target NAME       run only these servers: tandem | hocuspocus | y-websocket-server (repeatable)
  --quick             small loads and short durations (a smoke run of every scenario, ~3 min)
  --duration SECONDS  fanout and manydocs load duration (default 20; quick 4)
  --profile           CPU-profile the Tandem server (node --cpu-prof) and print its hot spots
  --no-pin            do not pin server and generator to cores 0 and 1
  knobs:  --fanout-clients 50 --fanout-writers 10 --fanout-rate 10 (edits/s per writer)
          --manydocs-docs 500 --manydocs-clients 4 --manydocs-rates 1,5 (edits/s per document)
          --ceiling-start 10 (edits/s per writer) --ceiling-factor 1.5 --ceiling-steps 14 --ceiling-step-seconds 10
            (ceiling uses the fanout clients and writers)
          --idle-ws 8000 --idle-sse 8000 --idle-users 200 --idle-hold 60 (seconds)
          --burst-clients 20 --burst-bytes 1048576 --burst-repeats 5
          --trace-file PATH --trace-limit N (edits; 0 = all) --trace-window 1000 --trace-cold-loads 3
          --mention-count 100`;

/**
 * Reads the command line.
 * @throws Error with the usage text on an unknown flag or value.
 */
export function parseOptions(argv: string[], root: string): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      scenario: { type: "string", multiple: true },
      target: { type: "string", multiple: true },
      compare: { type: "boolean" },
      quick: { type: "boolean" },
      duration: { type: "string" },
      profile: { type: "boolean" },
      "no-pin": { type: "boolean" },
      "fanout-clients": { type: "string" },
      "fanout-writers": { type: "string" },
      "fanout-rate": { type: "string" },
      "manydocs-docs": { type: "string" },
      "manydocs-clients": { type: "string" },
      "manydocs-rates": { type: "string" },
      "ceiling-start": { type: "string" },
      "ceiling-factor": { type: "string" },
      "ceiling-steps": { type: "string" },
      "ceiling-step-seconds": { type: "string" },
      "idle-ws": { type: "string" },
      "idle-sse": { type: "string" },
      "idle-users": { type: "string" },
      "idle-hold": { type: "string" },
      "burst-clients": { type: "string" },
      "burst-bytes": { type: "string" },
      "burst-repeats": { type: "string" },
      "trace-file": { type: "string" },
      "trace-limit": { type: "string" },
      "trace-window": { type: "string" },
      "trace-cold-loads": { type: "string" },
      "mention-count": { type: "string" },
    },
  });
  if (values.help) return "help";
  const quick = values.quick ?? false;
  const num = (name: string, raw: string | undefined, fallback: number, min = 0): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${raw}\n\n${HELP}`);
    return value;
  };
  const pick = <T>(full: T, small: T) => (quick ? small : full);

  const scenarios = (values.scenario ?? [...SCENARIO_NAMES]).map((name) => {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name}\n\n${HELP}`);
    return name as ScenarioName;
  });
  const targets = (values.target ?? (values.compare ? [...TARGET_NAMES] : ["tandem"])).map((name) => {
    if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new Error(`unknown target ${name}\n\n${HELP}`);
    return name as TargetName;
  });
  const durationMs = num("duration", values.duration, pick(20, 4), 1) * 1000;
  const rates = (values["manydocs-rates"] ?? pick("1,5", "1,5")).split(",").map((r) => num("manydocs-rates", r, 1, 0.01));

  return {
    scenarios,
    targets,
    quick,
    pin: !values["no-pin"],
    profile: values.profile ?? false,
    resultsDir: path.join(root, "bench", "results"),
    fanout: {
      clients: num("fanout-clients", values["fanout-clients"], 50, 2),
      writers: num("fanout-writers", values["fanout-writers"], 10, 1),
      ratePerWriter: num("fanout-rate", values["fanout-rate"], 10, 0.01),
      durationMs,
    },
    manydocs: {
      documents: num("manydocs-docs", values["manydocs-docs"], pick(500, 50), 1),
      clients: num("manydocs-clients", values["manydocs-clients"], 4, 2),
      ratesPerDocument: rates,
      durationMs,
    },
    ceiling: {
      clients: num("fanout-clients", values["fanout-clients"], 50, 2),
      writers: num("fanout-writers", values["fanout-writers"], 10, 1),
      startRatePerWriter: num("ceiling-start", values["ceiling-start"], 10, 0.01),
      factor: num("ceiling-factor", values["ceiling-factor"], 1.5, 1.01),
      maxSteps: num("ceiling-steps", values["ceiling-steps"], pick(14, 4), 1),
      stepMs: num("ceiling-step-seconds", values["ceiling-step-seconds"], pick(10, 3), 1) * 1000,
      p99LimitMs: 50,
    },
    idle: {
      websockets: num("idle-ws", values["idle-ws"], pick(8000, 300), 1),
      streams: num("idle-sse", values["idle-sse"], pick(8000, 300), 0),
      users: num("idle-users", values["idle-users"], pick(200, 20), 1),
      holdMs: num("idle-hold", values["idle-hold"], pick(60, 5), 1) * 1000,
      concurrency: 100,
    },
    burst: {
      clients: num("burst-clients", values["burst-clients"], 20, 2),
      bytes: num("burst-bytes", values["burst-bytes"], 1024 * 1024, 1),
      repeats: num("burst-repeats", values["burst-repeats"], pick(5, 2), 1),
    },
    trace: {
      file: values["trace-file"] ?? path.resolve(root, "test", "fixtures", "traces", "automerge-paper.json.gz"),
      limit: num("trace-limit", values["trace-limit"], pick(0, 20_000), 0),
      window: num("trace-window", values["trace-window"], 1000, 1),
      coldLoads: num("trace-cold-loads", values["trace-cold-loads"], pick(3, 2), 1),
    },
    mention: {
      count: num("mention-count", values["mention-count"], pick(100, 20), 1),
      intervalMs: 50,
    },
    drainMs: 15_000,
  };
}

export { HELP };
