/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) of the server: where the time went, by
 * function, with file:line. Runnable on its own: `npx tsx bench/profile.ts FILE.cpuprofile`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface HotSpot {
  /** Share of the busy (non-idle) samples, %. */
  percent: number;
  name: string;
  /** file:line, relative to the repository when inside it. */
  location: string;
}

export interface ProfileSummary {
  /** Profiled wall time, ms, and the share of it not idle. */
  durationMs: number;
  busyPercent: number;
  /** By time spent in the function itself. */
  self: HotSpot[];
  /** By time spent in the function and everything it called: Tandem's own code only. */
  inclusiveTandem: HotSpot[];
}

const IDLE = new Set(["(idle)", "(root)"]);

function locate(frame: ProfileNode["callFrame"], root: string, sources: Map<string, string[] | null>): string {
  if (!frame.url) return frame.functionName.startsWith("(") ? "" : "(native)";
  const file = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  const relative = file.startsWith(root) ? path.relative(root, file) : file;
  let line = frame.lineNumber + 1;
  // tsx transpiles TypeScript on load, so V8's line may be off; find the definition in the source.
  const lines = sources.get(file);
  if (lines && frame.functionName) {
    const name = frame.functionName.split(".").pop() ?? frame.functionName;
    const escaped = name.replace(/[$]/g, "\\$");
    const definition = new RegExp(`^\\s*(?:(?:export|async|private|public|protected|static|readonly|function|const|let|get)\\s+)*${escaped}\\s*(?:=|\\(|<|:)`);
    const found = lines.findIndex((text) => definition.test(text));
    if (found >= 0) line = found + 1;
  }
  return `${relative}:${line}`;
}

/** Reads and summarises one profile; `top` entries per list. */
export async function summariseProfile(file: string, root: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const all = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0) || 1;
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  // Shares are of the busy samples: where the CPU went while it was working.
  const total = all - idle || 1;

  const sources = new Map<string, string[] | null>();
  for (const node of profile.nodes) {
    const url = node.callFrame.url;
    if (!url.startsWith("file://")) continue;
    const file = fileURLToPath(url);
    if (sources.has(file) || !file.startsWith(root) || file.includes("node_modules")) continue;
    sources.set(file, await readFile(file, "utf8").then((text) => text.split("\n"), () => null));
  }

  const key = (n: ProfileNode) => `${n.callFrame.functionName}\u0000${n.callFrame.url}\u0000${n.callFrame.lineNumber}`;
  const self = new Map<string, { hits: number; node: ProfileNode }>();
  const inclusive = new Map<string, { hits: number; node: ProfileNode }>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || IDLE.has(node.callFrame.functionName)) continue;
    const k = key(node);
    const entry = self.get(k) ?? { hits: 0, node };
    entry.hits += hits;
    self.set(k, entry);
    // Charge the hits to every distinct Tandem frame on the stack (once per frame, even if recursive).
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id);
      if (!frame) break;
      const file = frame.callFrame.url.startsWith("file://") ? fileURLToPath(frame.callFrame.url) : "";
      if (!file.startsWith(path.join(root, "server"))) continue;
      const fk = key(frame);
      if (seen.has(fk)) continue;
      seen.add(fk);
      const acc = inclusive.get(fk) ?? { hits: 0, node: frame };
      acc.hits += hits;
      inclusive.set(fk, acc);
    }
  }
  const rank = (entries: Map<string, { hits: number; node: ProfileNode }>): HotSpot[] =>
    [...entries.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, top)
      .map(({ hits, node }) => ({ percent: (100 * hits) / total, name: node.callFrame.functionName || "(anonymous)", location: locate(node.callFrame, root, sources) }));
  return {
    durationMs: (profile.endTime - profile.startTime) / 1000,
    busyPercent: (100 * total) / all,
    self: rank(self),
    inclusiveTandem: rank(inclusive),
  };
}

export function renderProfile(title: string, summary: ProfileSummary): string {
  const table = (spots: HotSpot[]) => ["| % of busy samples | function | where |", "| --- | --- | --- |", ...spots.map((s) => `| ${s.percent.toFixed(1)} | \`${s.name}\` | ${s.location} |`)].join("\n");
  return [
    `#### CPU profile: ${title} (${(summary.durationMs / 1000).toFixed(0)} s, ${summary.busyPercent.toFixed(0)}% busy)`,
    "",
    "Self time:",
    "",
    table(summary.self),
    "",
    "Inclusive time, Tandem's code (server/):",
    "",
    table(summary.inclusiveTandem),
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  for (const file of process.argv.slice(2)) console.log(renderProfile(path.basename(file), await summariseProfile(file, root)), "\n");
}
