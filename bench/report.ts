import type { ScenarioName } from "./options";
import type { Metric, ScenarioResult } from "./scenarios";
import type { TargetName } from "./servers";

/** One scenario on one server. */
export interface RunRecord {
  scenario: ScenarioName;
  target: TargetName;
  result?: ScenarioResult;
  /** The scenario threw: the run is invalid. */
  error?: string;
  /** The server lacks what the scenario measures. */
  skipped?: string;
}

export interface RunMeta {
  date: string;
  versions: Record<string, string>;
  machine: string;
  pinned: boolean;
  quick: boolean;
  argv: string[];
  /** 1-minute load average of the machine when the run started and ended (other work skews results). */
  load: { start: number; end?: number };
}

const PEERS: TargetName[] = ["hocuspocus", "y-websocket-server"];

function format(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function find(records: RunRecord[], scenario: ScenarioName, target: TargetName, label: string): number | null {
  const metric = records.find((r) => r.scenario === scenario && r.target === target)?.result?.metrics.find((m) => m.label === label);
  return metric?.value ?? null;
}

/** Tandem / peer, with ✓ when Tandem is at least as good and ✗ when not. */
function ratio(tandem: Metric | undefined, peer: Metric | undefined): string {
  if (!tandem || !peer || tandem.value === null || peer.value === null || peer.value === 0) return "–";
  const r = tandem.value / peer.value;
  const mark = tandem.better === "lower" ? (r <= 1 ? " ✓" : " ✗") : tandem.better === "higher" ? (r >= 1 ? " ✓" : " ✗") : "";
  return `${r.toFixed(2)}${mark}`;
}

/** One Markdown table per scenario: metrics down, servers across, then Tandem / peer ratios. */
export function renderScenario(records: RunRecord[], scenario: ScenarioName, targets: TargetName[]): string {
  const rows = records.filter((r) => r.scenario === scenario);
  if (rows.length === 0) return "";
  const byTarget = new Map(rows.map((r) => [r.target, r]));
  const labels: Array<{ label: string; unit: string }> = [];
  for (const row of rows) for (const m of row.result?.metrics ?? []) if (!labels.some((l) => l.label === m.label)) labels.push({ label: m.label, unit: m.unit });
  const peers = targets.filter((t) => PEERS.includes(t) && byTarget.get(t)?.result);
  const comparing = targets.includes("tandem") && peers.length > 0;
  const header = ["metric", "unit", ...targets, ...(comparing ? peers.map((p) => `tandem/${p}`) : [])];
  const lines = [`### ${scenario}`, "", `| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
  for (const { label, unit } of labels) {
    const metricOf = (t: TargetName) => byTarget.get(t)?.result?.metrics.find((m) => m.label === label);
    const cells = targets.map((t) => {
      const record = byTarget.get(t);
      if (record?.skipped) return "n/a";
      if (record?.error) return "error";
      return format(metricOf(t)?.value);
    });
    const ratios = comparing ? peers.map((p) => ratio(metricOf("tandem"), metricOf(p))) : [];
    lines.push(`| ${[label, unit, ...cells, ...ratios].join(" | ")} |`);
  }
  for (const row of rows) {
    if (row.skipped) lines.push("", `- ${row.target}: not run (${row.skipped})`);
    if (row.error) lines.push("", `- **${row.target}: FAILED** — ${row.error}`);
    for (const failure of row.result?.failures ?? []) lines.push("", `- **${row.target}: FAILED** — ${failure}`);
    for (const note of row.result?.notes ?? []) lines.push("", `- ${row.target}: ${note}`);
  }
  return lines.join("\n");
}

interface Check {
  target: string;
  measured: string;
  met: boolean | null;
}

/** The targets, checked against this run (null: not measured in this run). */
export function checkTargets(records: RunRecord[]): Check[] {
  const checks: Check[] = [];
  const bestPeer = (scenario: ScenarioName, label: string, better: "lower" | "higher") => {
    const values = PEERS.map((p) => find(records, scenario, p, label)).filter((v): v is number => v !== null);
    if (values.length === 0) return null;
    return better === "lower" ? Math.min(...values) : Math.max(...values);
  };
  const compare = (name: string, scenario: ScenarioName, label: string, better: "lower" | "higher", factor = 1) => {
    const ours = find(records, scenario, "tandem", label);
    const peer = bestPeer(scenario, label, better);
    const bound = peer === null ? null : peer * factor;
    checks.push({
      target: name,
      measured: `${format(ours)} vs ${format(bound)}`,
      // Nothing sustained on either side (0 vs 0) proves nothing.
      met: ours === null || bound === null || (ours === 0 && bound === 0) ? null : better === "lower" ? ours <= bound : ours >= bound,
    });
  };
  const absolute = (name: string, scenario: ScenarioName, label: string, limit: number) => {
    const ours = find(records, scenario, "tandem", label);
    checks.push({ target: name, measured: `${format(ours)} (limit ${format(limit)})`, met: ours === null ? null : ours <= limit });
  };
  compare("fanout p99 ≤ the better peer's", "fanout", "latency p99", "lower");
  for (const label of new Set(records.filter((r) => r.scenario === "manydocs" && r.target === "tandem").flatMap((r) => r.result?.metrics ?? []).map((m) => m.label).filter((l) => l.endsWith("latency p99")))) {
    compare(`manydocs ${label} ≤ the better peer's`, "manydocs", label, "lower");
  }
  compare("ceiling ≥ 1.2 × the better peer's", "ceiling", "highest sustained rate", "higher", 1.2);
  {
    const ours = find(records, "idle", "tandem", "KiB per WebSocket");
    const theirs = find(records, "idle", "y-websocket-server", "KiB per WebSocket");
    checks.push({ target: "idle KiB per WebSocket ≤ y-websocket-server's", measured: `${format(ours)} vs ${format(theirs)}`, met: ours === null || theirs === null ? null : ours <= theirs });
    const lost = find(records, "idle", "tandem", "connections lost");
    const held = find(records, "idle", "tandem", "WebSockets held");
    const streams = find(records, "idle", "tandem", "event streams held");
    checks.push({ target: "8,000 WebSockets + 8,000 event streams held, none lost", measured: `${format(held)} + ${format(streams)} held, ${format(lost)} lost`, met: lost === null ? null : lost === 0 && (held ?? 0) >= 8000 && (streams ?? 0) >= 8000 });
  }
  compare("burst ≤ the better peer's (p50)", "burst", "time until every client has it p50", "lower");
  absolute("trace cold load ≤ 100 ms (max)", "trace", "cold load max", 100);
  absolute("trace stored after compaction ≤ 1.5 × encoded state", "trace", "stored / encoded state", 1.5);
  absolute("mention → notification p99 ≤ 100 ms", "mention", "mention → notification p99", 100);
  return checks;
}

export function renderReport(records: RunRecord[], targets: TargetName[], scenarios: ScenarioName[], meta: RunMeta): string {
  const versions = Object.entries(meta.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  const parts = [
    `## Tandem benchmark — ${meta.date}`,
    "",
    `${meta.machine}; ${meta.pinned ? "server pinned to core 0, generator to core 1" : "not pinned"}${meta.quick ? "; **quick run (small loads, short durations)**" : ""}.`,
    `Load average (1 min) at start ${meta.load.start.toFixed(2)}, at end ${meta.load.end?.toFixed(2) ?? "?"}${Math.max(meta.load.start, meta.load.end ?? 0) > 2.5 ? " — **the machine was busy with other work: latencies are inflated and noisy**" : ""}.`,
    `Versions: ${versions}. Command: \`npm run bench -- ${meta.argv.join(" ")}\``,
  ];
  for (const scenario of scenarios) parts.push("", renderScenario(records, scenario, targets));
  const checks = checkTargets(records);
  parts.push("", "### Targets", "", "| target | measured (Tandem vs bound) | met |", "| --- | --- | --- |");
  for (const check of checks) parts.push(`| ${check.target} | ${check.measured} | ${check.met === null ? "not measured" : check.met ? "yes" : "**no**"} |`);
  return parts.join("\n") + "\n";
}
