import http from "node:http";

/** One raw SSE event: its name and its `data:` lines joined. */
export interface StreamEvent {
  event: string;
  data: string;
}

/** Streams share no pooled sockets: each holds its own connection, as a browser's EventSource does. */
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/**
 * A lean `GET /api/events` reader over node:http (cheaper than fetch for thousands of streams).
 * It never reconnects: a stream that ends is counted as lost.
 */
export class SseClient {
  private request: http.ClientRequest | undefined;
  private buffer = "";
  ended = false;
  /** Comment lines received (heartbeats). */
  comments = 0;
  onEvent: ((event: StreamEvent) => void) | undefined;

  constructor(
    private readonly url: string,
    private readonly cookie: string,
  ) {}

  /**
   * Resolves once the response headers arrived with status 200.
   * @throws Error on another status, a network error or after `timeoutMs`.
   */
  open(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = http.get(this.url, { agent, headers: { cookie: this.cookie, accept: "text/event-stream" }, timeout: timeoutMs }, (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`event stream answered ${response.statusCode}`));
          response.resume();
          return;
        }
        request.setTimeout(0);
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => this.receive(chunk));
        response.on("close", () => (this.ended = true));
        resolve();
      });
      request.on("timeout", () => request.destroy(new Error(`event stream: no answer within ${timeoutMs} ms`)));
      request.on("error", (error) => {
        this.ended = true;
        reject(error);
      });
      this.request = request;
    });
  }

  close(): void {
    this.request?.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf("\n\n")) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.parse(block);
    }
  }

  private parse(block: string): void {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        this.comments += 1;
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) this.onEvent?.({ event, data: data.join("\n") });
  }
}
