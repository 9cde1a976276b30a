import { fromBase64, toBase64 } from "lib0/buffer";
import * as Y from "yjs";

/** A Yjs state vector: for each client id, the clock of the next item it will create. */
export type StateVector = Map<number, number>;

/**
 * How many Yjs items (characters, nodes, formatting marks) `local` has that `known` lacks:
 * the sum over clients of max(0, local clock − known clock).
 */
export function pendingChanges(local: StateVector, known: StateVector): number {
  let pending = 0;
  for (const [client, clock] of local) pending += Math.max(0, clock - (known.get(client) ?? 0));
  return pending;
}

/** Raises `target`'s clocks to at least those of `source`; returns whether anything changed. */
export function raiseStateVector(target: StateVector, source: StateVector): boolean {
  let changed = false;
  for (const [client, clock] of source) {
    if ((target.get(client) ?? 0) < clock) {
      target.set(client, clock);
      changed = true;
    }
  }
  return changed;
}

/**
 * Where the last `saved` state vector of a document is kept between page loads, so that after
 * an offline reload the number of changes only this device has is still right.
 */
export interface SavedStateStore {
  load(): StateVector;
  save(stateVector: StateVector): void;
  clear(): void;
}

/** A SavedStateStore in localStorage under `tandem-saved-sv-<documentId>` (base64). */
export function localSavedStateStore(documentId: string, storage: Storage | null = safeLocalStorage()): SavedStateStore {
  const key = `tandem-saved-sv-${documentId}`;
  return {
    load() {
      const stored = storage?.getItem(key);
      if (!stored) return new Map();
      try {
        return Y.decodeStateVector(fromBase64(stored));
      } catch {
        // Corrupt or from an older format: count as unknown, the next `saved` message replaces it.
        return new Map();
      }
    },
    save(stateVector) {
      try {
        storage?.setItem(key, toBase64(Y.encodeStateVector(stateVector)));
      } catch (error) {
        // Storage full or disabled: the count is only wrong after a reload, so carry on.
        console.warn("Tandem could not remember which changes the server has stored", error);
      }
    },
    clear() {
      storage?.removeItem(key);
    },
  };
}

/** localStorage, or null where it is unavailable (blocked by privacy settings throws on access). */
function safeLocalStorage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null;
  }
}
