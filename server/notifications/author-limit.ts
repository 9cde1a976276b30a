import type { Logger } from "../logger";

export const MINUTE_MS = 60_000;
/** A warning names at most this many of the documents an author's dropped mentions were in. */
const LOGGED_DOCUMENTS = 10;

interface Window {
  startedAt: number;
  used: number;
  dropped: number;
  documentIds: Set<string>;
}

export interface AuthorLimitOptions {
  /** Mentions of one author that may notify per window. */
  perWindow: number;
  windowMs?: number;
  logger: Logger;
  now?: () => number;
}

/**
 * How many of an author's mentions may become notifications: at most `perWindow` per window (a
 * minute) on this instance, counted from the author's first mention in it. What goes over is
 * dropped, and logged once per author per window, when the window ends. Only authors with a
 * window still open are remembered, and a timer runs only while there are some.
 */
export class AuthorLimit {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: AuthorLimitOptions) {
    this.windowMs = options.windowMs ?? MINUTE_MS;
    this.now = options.now ?? Date.now;
  }

  /** How many of `count` new mentions by `authorId` (in `documentId`) may notify; the rest count as dropped. */
  take(authorId: string, documentId: string, count: number): number {
    const now = this.now();
    let window = this.windows.get(authorId);
    if (window && now - window.startedAt >= this.windowMs) {
      this.end(authorId, window);
      window = undefined;
    }
    if (!window) {
      window = { startedAt: now, used: 0, dropped: 0, documentIds: new Set() };
      this.windows.set(authorId, window);
      this.startSweeping();
    }
    const allowed = Math.max(0, Math.min(count, this.options.perWindow - window.used));
    window.used += allowed;
    if (allowed < count) {
      window.dropped += count - allowed;
      if (window.documentIds.size < LOGGED_DOCUMENTS) window.documentIds.add(documentId);
    }
    return allowed;
  }

  /** Authors with an open window (for tests: memory stays bounded). */
  get size(): number {
    return this.windows.size;
  }

  /** Ends every window (logging what each dropped) and stops the timer. */
  close(): void {
    for (const [authorId, window] of this.windows) this.end(authorId, window);
    this.stopSweeping();
  }

  private end(authorId: string, window: Window): void {
    this.windows.delete(authorId);
    if (window.dropped === 0) return;
    this.options.logger.warn(
      { authorId, documentIds: [...window.documentIds], dropped: window.dropped, limit: this.options.perWindow, windowMs: this.windowMs },
      "mentions over the per-author limit notified nobody",
    );
  }

  /** Ends the windows that are over; the timer stops once none is left. */
  private sweep(): void {
    const now = this.now();
    for (const [authorId, window] of this.windows) if (now - window.startedAt >= this.windowMs) this.end(authorId, window);
    if (this.windows.size === 0) this.stopSweeping();
  }

  private startSweeping(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), this.windowMs);
    // Forgetting idle authors must not keep the process alive.
    this.sweeper.unref();
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
