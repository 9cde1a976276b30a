/**
 * Raw `ws` clients of the collaboration endpoint, for what a y-websocket client would never send
 * (malformed, oversized or flooding messages), and the small waits tests around them need.
 */
import WebSocket from "ws";
import { TestClient } from "./client";

export interface RawSocket {
  ws: WebSocket;
  /** Resolves with the close code and reason the client saw. */
  closed: Promise<{ code: number; reason: string }>;
}

/** `promise`, or a rejection naming `what` after `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A raw `ws` client of `client`'s tab on the server at `baseUrl`, resolved once the room
 * admitted it (its first message, sync step 1, arrived). `cleanups` gets its terminate.
 */
export async function rawSocket(baseUrl: string, client: TestClient, documentId: string, options: WebSocket.ClientOptions & { cleanups?: Array<() => void>; path?: string } = {}): Promise<RawSocket> {
  const { cleanups, path, ...wsOptions } = options;
  const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}${path ?? `/collab/${documentId}`}`, {
    ...wsOptions,
    headers: { cookie: client.cookieHeader, origin: baseUrl },
  });
  cleanups?.push(() => ws.terminate());
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") })));
  await new Promise<void>((resolve, reject) => {
    ws.once("message", () => resolve());
    ws.once("error", reject);
    void closed.then(({ code }) => reject(new Error(`closed with ${code} before admission`)));
  });
  return { ws, closed };
}

/** An owner and a second user with `role` on a new document of the server at `baseUrl`. */
export async function sharedDocument(baseUrl: string, role: "editor" | "viewer" = "editor"): Promise<{ owner: TestClient; other: TestClient; id: string }> {
  const [owner, other] = await Promise.all([TestClient.signUp(baseUrl), TestClient.signUp(baseUrl)]);
  const id = (await owner.request<{ id: string }>("POST", "/api/documents", { title: "Shared" })).body.id;
  const added = await owner.request("POST", `/api/documents/${id}/members`, { email: other.user?.email, role });
  if (added.status !== 201) throw new Error(`sharing failed: ${added.status} ${JSON.stringify(added.body)}`);
  return { owner, other, id };
}
