import * as Y from "yjs";
import type { LeanClient } from "../clients/lean-client";
import { contentOf } from "../clients/content";

/**
 * Says how the clients of one document disagree, or `undefined` when they all hold the same
 * state (state vector and content) and none was disconnected.
 */
export function divergence(clients: readonly LeanClient[]): string | undefined {
  const closed = clients.filter((c) => c.closed);
  if (closed.length > 0) return `${closed.length} client(s) disconnected (first: ${closed[0]?.closed?.code} ${closed[0]?.closed?.reason})`;
  const [first, ...rest] = clients;
  if (!first) return undefined;
  const vector = Buffer.from(Y.encodeStateVector(first.doc));
  const content = contentOf(first.doc);
  for (const [i, client] of rest.entries()) {
    if (!vector.equals(Buffer.from(Y.encodeStateVector(client.doc)))) return `client ${i + 1}'s state vector differs from client 0's`;
    if (contentOf(client.doc) !== content) return `client ${i + 1}'s content differs from client 0's`;
  }
  return undefined;
}

/** True when every client of the document holds the same state vector. */
export function sameStateVectors(clients: readonly LeanClient[]): boolean {
  const [first, ...rest] = clients;
  if (!first) return true;
  const vector = Buffer.from(Y.encodeStateVector(first.doc));
  return rest.every((client) => vector.equals(Buffer.from(Y.encodeStateVector(client.doc))));
}
