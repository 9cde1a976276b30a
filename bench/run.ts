/**
 * `npm run bench`: starts each server under test, drives it with lean y-websocket clients, checks
 * that every client converged, prints Markdown tables and writes them (and JSON) to
 * bench/results/. See `npm run bench -- --help`.
 */
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HELP, parseOptions, type BenchOptions, type ScenarioName } from "./options";
import { renderProfile, summariseProfile } from "./profile";
import { renderReport, renderScenario, type RunMeta, type RunRecord } from "./report";
import { createScenarios, type Scenario } from "./scenarios";
import { startTarget, type Target, type TargetName } from "./servers";
import { GENERATOR_CORE } from "./servers/process";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** No scenario may run longer than this; the run then fails instead of hanging. */
const SCENARIO_TIMEOUT_MS = 30 * 60_000;

const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** Pins this process (all its threads) to the generator's core. Returns false when it cannot. */
function pinGenerator(): boolean {
  if (os.cpus().length < 2) {
    log("fewer than 2 cores: not pinning server and generator");
    return false;
  }
  try {
    execFileSync("taskset", ["-a", "-p", "-c", String(GENERATOR_CORE), String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    log("taskset is not available: not pinning server and generator");
    return false;
  }
}

async function versionOf(pkg: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(path.join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

async function describeRun(options: BenchOptions, pinned: boolean, argv: string[]): Promise<RunMeta> {
  let commit = "?";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    if (execFileSync("git", ["status", "--porcelain"], { cwd: root, encoding: "utf8" }).trim()) commit += " (with uncommitted changes)";
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return {
    date: new Date().toISOString(),
    versions: {
      tandem: commit,
      node: process.version,
      yjs: await versionOf("yjs"),
      ws: await versionOf("ws"),
      "@hocuspocus/server": await versionOf("@hocuspocus/server"),
      "@y/websocket-server": await versionOf("@y/websocket-server"),
    },
    machine: `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    pinned,
    quick: options.quick,
    argv,
    load: { start: os.loadavg()[0] ?? 0 },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 60_000} min`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The main thread's profile of the last server process (names: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile). */
async function newestProfile(dir: string): Promise<string | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).sort();
  const last = files[files.length - 1];
  return last ? path.join(dir, last) : undefined;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const parsed = parseOptions(argv, root);
  if (parsed === "help") {
    console.log(HELP);
    return 0;
  }
  const options = parsed;
  const pinned = options.pin && pinGenerator();
  const meta = await describeRun(options, pinned, argv);
  const stamp = meta.date.replace(/[:.]/g, "-");
  await mkdir(options.resultsDir, { recursive: true });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tandem-bench-"));
  // As root, the embedded PostgreSQL runs as `postgres`, which must be able to enter it.
  await chmod(dataDir, 0o755);
  const profileRoot = path.join(options.resultsDir, `profiles-${stamp}`);

  const scenarios = createScenarios();
  const records: RunRecord[] = [];
  const profiles: string[] = [];
  let current: Target | undefined;
  const interrupt = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);

  try {
    for (const name of options.scenarios) {
      const scenario: Scenario = scenarios[name];
      for (const targetName of options.targets) {
        records.push(await runOne(scenario, targetName, options, { dataDir, profileRoot, pinned, profiles, setCurrent: (t) => (current = t) }));
      }
      console.log(`${renderScenario(records, name, options.targets)}\n`);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }

  meta.load.end = os.loadavg()[0] ?? 0;
  const report = renderReport(records, options.targets, options.scenarios, meta) + (profiles.length > 0 ? `\n${profiles.join("\n\n")}\n` : "");
  const mdFile = path.join(options.resultsDir, `bench-${stamp}.md`);
  await writeFile(mdFile, report);
  await writeFile(path.join(options.resultsDir, `bench-${stamp}.json`), JSON.stringify({ meta, options, records }, null, 2));
  console.log(report);
  log(`written to ${path.relative(root, mdFile)} (and .json)`);
  const failed = records.filter((r) => r.error || (r.result?.failures.length ?? 0) > 0);
  if (failed.length > 0) {
    log(`FAILED: ${failed.map((r) => `${r.scenario} on ${r.target}`).join(", ")}`);
    return 1;
  }
  return 0;
}

async function runOne(
  scenario: Scenario,
  targetName: TargetName,
  options: BenchOptions,
  run: { dataDir: string; profileRoot: string; pinned: boolean; profiles: string[]; setCurrent(target: Target | undefined): void },
): Promise<RunRecord> {
  const name: ScenarioName = scenario.name;
  const profileDir = options.profile && targetName === "tandem" ? path.join(run.profileRoot, name) : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  log(`${name} on ${targetName}: starting the server`);
  let target: Target;
  const starting = performance.now();
  try {
    target = await startTarget(targetName, { root, pin: run.pinned, dataDir: run.dataDir, ...(profileDir ? { cpuProfileDir: profileDir } : {}) });
  } catch (error) {
    log(`${targetName} did not start: ${String(error)}`);
    return { scenario: name, target: targetName, error: `the server did not start: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
  }
  run.setCurrent(target);
  log(`${name} on ${targetName}: server ready in ${((performance.now() - starting) / 1000).toFixed(1)} s`);
  let record: RunRecord;
  try {
    if (!scenario.supports(target)) {
      record = { scenario: name, target: targetName, skipped: "the server has no such feature" };
    } else {
      const result = await withTimeout(scenario.run({ target, options, root, log: (m) => log(`${name} on ${targetName}: ${m}`) }), SCENARIO_TIMEOUT_MS, name);
      for (const failure of result.failures) log(`${name} on ${targetName}: FAILED: ${failure}`);
      record = { scenario: name, target: targetName, result };
    }
  } catch (error) {
    log(`${name} on ${targetName}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    record = { scenario: name, target: targetName, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await target.stop();
    run.setCurrent(undefined);
  }
  if (profileDir) {
    const file = await newestProfile(profileDir);
    if (file) run.profiles.push(renderProfile(`Tandem, ${name}`, await summariseProfile(file, root)));
    else log(`no CPU profile was written for ${name}`);
  }
  return record;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
