import type { TestClient } from "./client";
import { waitFor } from "./collab-client";

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

/**
 * A minimal EventSource for tests: one `GET /api/events` over fetch, parsed as it streams.
 * Unlike the browser's, it never reconnects by itself: tests reconnect explicitly.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  /** Comment lines (`: ping` → `ping`), in arrival order. */
  readonly comments: string[] = [];
  /** Everything received, as text (not parsed), e.g. to check the first bytes. */
  raw = "";
  status = 0;
  headers: Headers | undefined;
  private readonly controller = new AbortController();
  private done: Promise<void> = Promise.resolve();
  ended = false;

  private constructor() {}

  static async open(client: TestClient, options: { lastEventId?: string; query?: string; headers?: Record<string, string> } = {}): Promise<SseClient> {
    const sse = new SseClient();
    const response = await fetch(`${client.baseUrl}/api/events${options.query ?? ""}`, {
      headers: { cookie: client.cookieHeader, accept: "text/event-stream", ...(options.lastEventId ? { "last-event-id": options.lastEventId } : {}), ...options.headers },
      signal: sse.controller.signal,
    });
    sse.status = response.status;
    sse.headers = response.headers;
    if (!response.ok || !response.body) {
      sse.ended = true;
      return sse;
    }
    sse.done = sse.read(response.body).catch(() => undefined).finally(() => {
      sse.ended = true;
    });
    return sse;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      this.raw += text;
      buffer += text;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        this.parse(block);
      }
    }
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    this.events.push({ id, event, data: JSON.parse(data.join("\n")) });
  }

  /** Events of one name, in arrival order. */
  named<T = unknown>(event: string): Array<{ id: string | undefined; data: T }> {
    return this.events.filter((e) => e.event === event).map((e) => ({ id: e.id, data: e.data as T }));
  }

  async waitFor(predicate: (events: SseEvent[]) => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    await waitFor(() => predicate(this.events), what, timeoutMs);
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}
