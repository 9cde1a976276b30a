import type { ScenarioName } from "../options";
import { burst } from "./burst";
import { ceiling } from "./ceiling";
import { fanout } from "./fanout";
import { idle } from "./idle";
import { manydocs } from "./manydocs";
import { mention } from "./mention";
import { createTraceScenario } from "./trace";
import type { Scenario } from "./types";

export type { Metric, Scenario, ScenarioContext, ScenarioResult } from "./types";

/** Every scenario, by name (fresh per run: the trace scenario keeps its prepared updates). */
export function createScenarios(): Record<ScenarioName, Scenario> {
  return { fanout, manydocs, ceiling, idle, burst, trace: createTraceScenario(), mention };
}
