import { startHocuspocus } from "./hocuspocus";
import { startTandem } from "./tandem";
import type { StartOptions, Target, TargetName } from "./target";
import { startYWebsocketServer } from "./y-websocket";

export type { ClientSlot, DocumentSpec, Target, TargetName } from "./target";
export { TARGET_NAMES } from "./target";

/** Starts the named server under test. */
export function startTarget(name: TargetName, options: StartOptions): Promise<Target> {
  switch (name) {
    case "tandem":
      return startTandem(options);
    case "hocuspocus":
      return startHocuspocus(options);
    case "y-websocket-server":
      return startYWebsocketServer(options);
    default: {
      const unknown: never = name;
      throw new Error(`unknown target ${String(unknown)}`);
    }
  }
}
