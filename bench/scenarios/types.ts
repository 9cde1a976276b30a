import type { BenchOptions, ScenarioName } from "../options";
import type { Target } from "../servers";

/** One number in a result table. `better` says which way wins (for Tandem / peer ratios). */
export interface Metric {
  label: string;
  unit: string;
  value: number | null;
  better: "lower" | "higher" | null;
}

export interface ScenarioResult {
  metrics: Metric[];
  /** Anything that makes the run invalid: divergence, lost connections, timeouts. */
  failures: string[];
  notes: string[];
}

export interface ScenarioContext {
  target: Target;
  options: BenchOptions;
  root: string;
  log(message: string): void;
}

export interface Scenario {
  name: ScenarioName;
  /** False for a server that lacks the feature measured (e.g. SSE on a peer). */
  supports(target: Target): boolean;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

export const metric = (label: string, unit: string, value: number | null, better: Metric["better"]): Metric => ({ label, unit, value: value === null || Number.isNaN(value) ? null : value, better });

/** Unmeasured load before the first measured window of an edit scenario. */
export const WARMUP_MS = 3_000;
