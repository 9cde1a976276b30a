import type { ConnectionTraffic } from "../limits";
import { TokenBucket } from "../limits";
import { CloseCode } from "./close-codes";
import { MessageType, ProtocolError } from "./protocol";

/** What the gate needs of its socket: stop and restart reading it, close it, and pass a message on. */
export interface GatedSocket {
  pause(): void;
  resume(): void;
  close(code: number, reason: string): void;
  deliver(data: Uint8Array): void;
}

export interface InboundGateLimits {
  /** Awareness messages a second; faster ones are coalesced (the latest state wins). */
  awarenessPerSecond: number;
  /** Messages (and bytes) held while throttled; past either the connection is closed with 4429. */
  queueMessages: number;
  queueBytes: number;
  /** Throttled without a break for this long, the connection is closed with 4429. */
  throttleCloseMs: number;
}

/**
 * Checks an awareness message the gate holds back (and may drop for a newer one, which the room
 * then never sees): a malformed message must close its connection, in order, either way.
 * @throws ProtocolError when it is malformed.
 */
export type AwarenessCheck = (data: Uint8Array) => void;

/** Awareness messages that may arrive back to back before coalescing starts (a burst of cursor moves). */
const AWARENESS_BURST_SECONDS = 2;

/**
 * The door between one client's socket and its room: every message passes the traffic limits
 * (per connection, user and address) before the room sees it. A client over its limits is
 * throttled first — its socket stops being read, so TCP pushes back on the sender, and what was
 * already read waits in a bounded queue — and closed with `rateLimited` (4429) when that queue
 * overflows or when it stays throttled for `throttleCloseMs` without a break (a client that does
 * not slow down would otherwise sit on a socket and a queue for ever). Awareness is state, not history: a client sending cursor updates faster than
 * `awarenessPerSecond` has the extra ones replaced by its latest, which is delivered when due.
 * Nothing a client sends is reordered or dropped, except superseded awareness.
 */
export class InboundGate {
  /** Made on first use, like the awareness bucket: most connections never need either. */
  private queue: Uint8Array[] | undefined;
  private queuedBytes = 0;
  private awareness: TokenBucket | undefined;
  private heldAwareness: Uint8Array | undefined;
  private awarenessTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  /** Set while the socket is paused: closes the connection if the throttle lasts too long. */
  private throttleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly traffic: ConnectionTraffic,
    private readonly socket: GatedSocket,
    private readonly limits: InboundGateLimits,
    private readonly checkSuperseded: AwarenessCheck,
  ) {}

  /** Messages waiting (throttled), the held awareness not counted. */
  get queued(): number {
    return this.queue?.length ?? 0;
  }

  receive(data: Uint8Array): void {
    if (this.closed) return;
    if (data[0] === MessageType.awareness && !this.admitAwareness(data)) return;
    this.enqueueOrDeliver(data);
  }

  /** The connection closed: timers stop, nothing more is delivered. Safe to call twice. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.drainTimer);
    clearTimeout(this.awarenessTimer);
    clearTimeout(this.throttleTimer);
    this.queue = undefined;
    this.heldAwareness = undefined;
    this.traffic.release();
  }

  /** Whether an awareness message goes on now; otherwise it is held, replacing any held before it. */
  private admitAwareness(data: Uint8Array): boolean {
    const now = performance.now();
    const rate = this.limits.awarenessPerSecond;
    const awareness = (this.awareness ??= new TokenBucket(rate, rate * AWARENESS_BURST_SECONDS, now));
    if (!this.heldAwareness && awareness.waitFor(1, now) === 0) {
      awareness.take(1, now);
      return true;
    }
    // Checked now, not when released: a malformed message closes its connection at once, in
    // order with what follows it, even if a newer one supersedes it before the room sees it.
    if (!this.isValid(data)) return false;
    this.heldAwareness = data;
    this.awarenessTimer ??= setTimeout(() => this.releaseAwareness(), Math.ceil(awareness.waitFor(1, now)));
    return false;
  }

  private isValid(awareness: Uint8Array): boolean {
    try {
      this.checkSuperseded(awareness);
      return true;
    } catch (error) {
      this.destroy();
      this.socket.close(CloseCode.malformedMessage, (error instanceof ProtocolError ? error.message : "malformed awareness message").slice(0, 120));
      return false;
    }
  }

  private releaseAwareness(): void {
    this.awarenessTimer = undefined;
    const held = this.heldAwareness;
    this.heldAwareness = undefined;
    if (!held || this.closed) return;
    this.awareness?.take(1, performance.now());
    this.enqueueOrDeliver(held);
  }

  private enqueueOrDeliver(data: Uint8Array): void {
    if (!this.queue?.length && this.traffic.waitForAll(data.byteLength) === 0) {
      this.traffic.takeFromAll(data.byteLength);
      this.socket.deliver(data);
      return;
    }
    const queue = (this.queue ??= []);
    if (queue.length + 1 > this.limits.queueMessages || this.queuedBytes + data.byteLength > this.limits.queueBytes) {
      this.refuse();
      return;
    }
    queue.push(data);
    this.queuedBytes += data.byteLength;
    if (!this.throttleTimer) {
      this.throttleTimer = setTimeout(() => this.refuse(), this.limits.throttleCloseMs);
      this.socket.pause();
    }
    this.scheduleDrain();
  }

  private refuse(): void {
    this.destroy();
    this.socket.close(CloseCode.rateLimited, "Too many messages: slow down, then reconnect.");
  }

  private scheduleDrain(): void {
    if (this.drainTimer || this.closed) return;
    const head = this.queue?.[0];
    if (!head) return;
    this.drainTimer = setTimeout(() => this.drain(), Math.max(1, Math.ceil(this.traffic.waitForAll(head.byteLength))));
  }

  private drain(): void {
    this.drainTimer = undefined;
    const queue = this.queue ?? [];
    for (let head = queue[0]; head && !this.closed; head = queue[0]) {
      if (this.traffic.waitForAll(head.byteLength) > 0) {
        this.scheduleDrain();
        return;
      }
      queue.shift();
      this.queuedBytes -= head.byteLength;
      this.traffic.takeFromAll(head.byteLength);
      this.socket.deliver(head);
    }
    if (this.closed || !this.throttleTimer) return;
    clearTimeout(this.throttleTimer);
    this.throttleTimer = undefined;
    this.socket.resume();
  }
}
