import { readdir, readFile } from "node:fs/promises";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** Percentiles of a set of samples, in the samples' unit (milliseconds throughout the bench). */
export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** A growable list of samples; percentiles are exact (sorted once when summarised). */
export class Samples {
  private values = new Float64Array(1024);
  private length = 0;

  get count(): number {
    return this.length;
  }

  add(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  summary(): Summary {
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q: number) => (sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN));
    return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN) };
  }
}

/** The generator's own event-loop delay over one measurement (ms): a high value means the generator, not the server, was the bottleneck. */
export interface LoopLag {
  p99: number;
  max: number;
}

/** Watches this process's event-loop delay between `start()` and `stop()`. */
export class LoopLagMonitor {
  private histogram: IntervalHistogram | undefined;
  /** The histogram's timer period, ms: every recorded delay includes it, so it is subtracted. */
  private static readonly RESOLUTION_MS = 1;

  start(): void {
    this.histogram?.disable();
    this.histogram = monitorEventLoopDelay({ resolution: LoopLagMonitor.RESOLUTION_MS });
    this.histogram.enable();
  }

  stop(): LoopLag {
    const h = this.histogram;
    if (!h) return { p99: Number.NaN, max: Number.NaN };
    h.disable();
    this.histogram = undefined;
    const lag = (ns: number) => Math.max(0, ns / 1e6 - LoopLagMonitor.RESOLUTION_MS);
    return { p99: lag(h.percentile(99)), max: lag(h.max) };
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc; NaN when unreadable. */
export async function cpuTimeMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux.
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (ms) used so far by every descendant of `pid` (e.g. Tandem's embedded PostgreSQL,
 * which shares the server's core), from /proc. A process that exited counts through its parent's
 * cutime/cstime once the parent reaped it (PostgreSQL's postmaster reaps its backends), so the
 * total only grows.
 */
export async function descendantsCpuTimeMs(pid: number): Promise<number> {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
      // utime + stime of the process, cutime + cstime of the children it reaped.
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
    } catch {
      // The process exited while we looked.
    }
  }
  let total = 0;
  for (const [child] of parents) {
    for (let p = parents.get(child); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === pid) {
        total += ticks.get(child) ?? 0;
        break;
      }
    }
  }
  return (total * 1000) / 100;
}

/** Resident set size of a process in KiB, from /proc; NaN when unreadable. */
export async function rssKiB(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU shares (% of one core) used between `start()` and `stop()`. */
export interface CpuUse {
  /** The server process itself. */
  server: number;
  /** Its child processes (Tandem: the embedded PostgreSQL). */
  children: number;
}

/** Measures the CPU share a process and its children used between `start()` and `stop()`. */
export class CpuMeter {
  private startCpu = 0;
  private startChildren = 0;
  private startWall = 0;

  constructor(private readonly pid: number) {}

  async start(): Promise<void> {
    this.startCpu = await cpuTimeMs(this.pid);
    this.startChildren = await descendantsCpuTimeMs(this.pid);
    this.startWall = performance.now();
  }

  /** The server's share; `stopAll()` also gives its children's. */
  async stop(): Promise<number> {
    return (await this.stopAll()).server;
  }

  async stopAll(): Promise<CpuUse> {
    const wall = performance.now() - this.startWall;
    const cpu = await cpuTimeMs(this.pid);
    const children = await descendantsCpuTimeMs(this.pid);
    return { server: (100 * (cpu - this.startCpu)) / wall, children: (100 * (children - this.startChildren)) / wall };
  }
}
