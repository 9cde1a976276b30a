import type { IncomingMessage } from "node:http";

/**
 * The client's address, as limits key on it: the socket's peer, or behind a trusted proxy
 * (TRUST_PROXY) the last X-Forwarded-For entry — the one the proxy appended; earlier entries are
 * whatever the client claimed, and keying on them would let a client pick its own bucket.
 */
export function clientAddress(headers: Pick<Headers, "get">, socketAddress: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean);
    const last = forwarded?.at(-1);
    if (last) return last;
  }
  return socketAddress ?? "unknown";
}

/** `clientAddress` of a Node request. */
export function requestAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers["x-forwarded-for"];
  const header = Array.isArray(forwarded) ? forwarded.join(", ") : forwarded;
  return clientAddress({ get: (name) => (name === "x-forwarded-for" ? (header ?? null) : null) }, req.socket.remoteAddress, trustProxy);
}
