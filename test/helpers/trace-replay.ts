/**
 * Replays a concurrent editing trace (format: test/fixtures/traces/README.md, "Concurrent format")
 * through real clients: each agent is one Y.Doc (one y-websocket client), and each txn is sent
 * by its agent's client once that client has received, from the server(s), everything the txn
 * was made on. The text lives in the one paragraph Tiptap would edit.
 *
 *   const plan = planReplay(readTrace(file));   // offline: every txn's Yjs update, in trace order
 *   await replay(plan, clients.map((c) => c.doc));
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as Y from "yjs";

export interface ConcurrentTrace {
  kind: "concurrent";
  numAgents: number;
  endContent: string;
  txns: Array<{ parents: number[]; agent: number; patches: Array<[position: number, deleted: number, inserted: string]> }>;
}

/** One txn, ready to send: its update, and what its author's client must hold before applying it. */
export interface Step {
  agent: number;
  update: Uint8Array;
  /** Yjs client → clock: the txn's causal past, as a state vector (its own agent left out). */
  needs: Map<number, number>;
}

export interface ReplayPlan {
  numAgents: number;
  /** The document before the first txn: one empty paragraph, made by a client of its own. */
  seed: Uint8Array;
  steps: Step[];
  /** The text of every txn merged offline: equals the trace's endContent if the plan is right. */
  offlineText: string;
}

const SEED_CLIENT = 1;
/** The Yjs client id an agent's edits are made with (fixed, so plans are reproducible). */
export const agentClient = (agent: number): number => 1_000 + agent;

/** Reads a gzipped trace file. @throws Error if it is not a concurrent trace. */
export function readTrace(file: string): ConcurrentTrace {
  const trace = JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) as ConcurrentTrace;
  if (trace.kind !== "concurrent") throw new Error(`${file} is not a concurrent trace`);
  return trace;
}

/** The paragraph's text node in `doc`'s Tiptap fragment. @throws Error if there is none. */
export function paragraphText(doc: Y.Doc): Y.XmlText {
  const paragraph = doc.getXmlFragment("default").get(0);
  const text = paragraph instanceof Y.XmlElement ? paragraph.get(0) : undefined;
  if (!(text instanceof Y.XmlText)) throw new Error("no paragraph text");
  return text;
}

/**
 * The causal bookkeeping, offline: each txn is applied by its agent on a fork holding exactly
 * the state after its parents (the txns of each agent form one chain, so a version is how many
 * txns of each agent it includes), and its Yjs update is recorded.
 * @throws Error if an agent's txn does not descend from that agent's previous one.
 */
export function planReplay(trace: ConcurrentTrace): ReplayPlan {
  const seedDoc = new Y.Doc();
  seedDoc.clientID = SEED_CLIENT;
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText()]);
  seedDoc.getXmlFragment("default").insert(0, [paragraph]);
  const seed = Y.encodeStateAsUpdate(seedDoc);
  seedDoc.destroy();

  const agents = trace.numAgents;
  const byAgent: number[][] = Array.from({ length: agents }, () => []);
  const forks = Array.from({ length: agents }, (_, agent) => {
    const doc = new Y.Doc();
    doc.clientID = agentClient(agent);
    Y.applyUpdate(doc, seed);
    return { doc, applied: new Array<number>(agents).fill(0) };
  });
  const versions: number[][] = [];
  const updates: Array<Uint8Array | undefined> = [];
  const steps: Step[] = [];

  trace.txns.forEach((txn, index) => {
    const fork = forks[txn.agent];
    if (!fork) throw new Error(`txn ${index}: unknown agent ${txn.agent}`);
    const target = new Array<number>(agents).fill(0);
    for (const parent of txn.parents) {
      versions[parent]?.forEach((count, agent) => {
        target[agent] = Math.max(target[agent] ?? 0, count);
      });
    }
    if (target[txn.agent] !== fork.applied[txn.agent]) throw new Error(`txn ${index} does not follow agent ${txn.agent}'s previous txn`);

    // Bring the fork to exactly the parents' state: the other agents' txns it lacks, in trace order (causal).
    const missing: number[] = [];
    for (let agent = 0; agent < agents; agent++) {
      if (agent === txn.agent) continue;
      const have = fork.applied[agent] ?? 0;
      missing.push(...(byAgent[agent] ?? []).slice(have, target[agent]));
      fork.applied[agent] = Math.max(have, target[agent] ?? 0);
    }
    missing.sort((x, y) => x - y);
    for (const j of missing) {
      const update = updates[j];
      if (update) Y.applyUpdate(fork.doc, update);
    }

    const needs = Y.decodeStateVector(Y.encodeStateVector(fork.doc));
    needs.delete(agentClient(txn.agent));
    let update: Uint8Array | undefined;
    const capture = (u: Uint8Array) => {
      update = u;
    };
    fork.doc.on("update", capture);
    const text = paragraphText(fork.doc);
    fork.doc.transact(() => {
      for (const [position, deleted, inserted] of txn.patches) {
        if (deleted > 0) text.delete(position, deleted);
        if (inserted.length > 0) text.insert(position, inserted);
      }
    });
    fork.doc.off("update", capture);

    updates.push(update);
    if (update) steps.push({ agent: txn.agent, update, needs });
    target[txn.agent] = (fork.applied[txn.agent] ?? 0) + 1;
    fork.applied[txn.agent] = target[txn.agent] ?? 0;
    versions.push(target);
    (byAgent[txn.agent] as number[]).push(index);
  });

  const merged = new Y.Doc();
  merged.transact(() => {
    Y.applyUpdate(merged, seed);
    for (const update of updates) if (update) Y.applyUpdate(merged, update);
  });
  const offlineText = paragraphText(merged).toString();
  merged.destroy();
  for (const fork of forks) fork.doc.destroy();
  return { numAgents: agents, seed, steps, offlineText };
}

const holds = (doc: Y.Doc, needs: Map<number, number>) => [...needs].every(([client, clock]) => Y.getState(doc.store, client) >= clock);

/** Resolves once `doc` holds `needs`, checked on each of its updates; rejects after `timeoutMs`. */
export function reach(doc: Y.Doc, needs: Map<number, number>, timeoutMs: number): Promise<void> {
  if (holds(doc, needs)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!holds(doc, needs)) return;
      clearTimeout(timer);
      doc.off("update", check);
      resolve();
    };
    const timer = setTimeout(() => {
      doc.off("update", check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a client to receive ${JSON.stringify([...needs])}`));
    }, timeoutMs);
    doc.on("update", check);
  });
}

/**
 * Replays `plan` through connected clients, `docs[agent]` being the agent's client document:
 * the first client adds the seed, every client waits for it, then each txn in trace order is
 * applied by its agent's client once the server(s) brought it the txn's causal past (event
 * driven, no polling). Resolves when the last txn is sent (not yet received everywhere).
 * @throws Error if a client waits longer than `stepTimeoutMs` for what a txn needs.
 */
export async function replay(plan: ReplayPlan, docs: Y.Doc[], stepTimeoutMs = 10_000): Promise<void> {
  if (docs.length !== plan.numAgents) throw new Error(`the trace has ${plan.numAgents} agents, given ${docs.length} clients`);
  const first = docs[0] as Y.Doc;
  Y.applyUpdate(first, plan.seed);
  const seeded = new Map([[SEED_CLIENT, Y.getState(first.store, SEED_CLIENT)]]);
  await Promise.all(docs.map((doc) => reach(doc, seeded, stepTimeoutMs)));
  for (const step of plan.steps) {
    const doc = docs[step.agent] as Y.Doc;
    await reach(doc, step.needs, stepTimeoutMs);
    Y.applyUpdate(doc, step.update);
  }
}
