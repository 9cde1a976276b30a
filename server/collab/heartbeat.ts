import type { WebSocket } from "ws";

/** How many turns one heartbeat interval is spread over. */
const SLICES = 16;

/**
 * Keeps sockets alive with pings: each socket is pinged once per `intervalMs` and terminated
 * when it has not answered the previous ping. The sockets are dealt into slices pinged one
 * after another, so ten thousand connections do not all get their ping in one event-loop turn
 * (which would stall every edit behind thousands of writes).
 */
export class Heartbeat {
  private readonly slices: Array<Set<WebSocket>> = Array.from({ length: SLICES }, () => new Set());
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly timer: NodeJS.Timeout;
  private nextSlice = 0;
  private dealt = 0;

  constructor(intervalMs: number) {
    this.timer = setInterval(this.beat, Math.max(1, intervalMs / SLICES));
    this.timer.unref();
  }

  add(ws: WebSocket): void {
    const slice = this.slices[this.dealt++ % SLICES] as Set<WebSocket>;
    slice.add(ws);
    this.alive.set(ws, true);
    ws.on("pong", () => this.alive.set(ws, true));
    ws.once("close", () => slice.delete(ws));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private readonly beat = (): void => {
    const slice = this.slices[this.nextSlice] as Set<WebSocket>;
    this.nextSlice = (this.nextSlice + 1) % SLICES;
    for (const ws of slice) {
      if (this.alive.get(ws) === false) {
        // terminate() emits "close" at once, so the room drops its awareness immediately.
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  };
}
