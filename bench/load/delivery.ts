import * as Y from "yjs";
import type { LeanClient } from "../clients/lean-client";
import { Samples } from "../stats";

interface WriterLog {
  /** The writer's Yjs clock after each edit. */
  clocks: number[];
  /** When each edit was made (performance.now(), ms). */
  times: number[];
}

/**
 * Edit-propagation latency within one document: every edit a writer makes is logged with its
 * clock and time; a receiver has an edit once its Y.Doc's state for that writer reaches the
 * edit's clock (so an update the receiver cannot integrate yet does not count). The latency is
 * measured on one clock, this process's, because every client lives here.
 */
export class DeliveryTracker {
  private readonly writers = new Map<number, WriterLog>();
  private readonly cursors = new Map<LeanClient, Map<number, number>>();
  private expected = 0;
  private delivered = 0;

  constructor(
    private readonly clients: readonly LeanClient[],
    /** Where latencies go (swapped per measurement window). */
    public samples: Samples,
  ) {
    for (const client of clients) {
      this.cursors.set(client, new Map());
      client.onRemoteUpdate = () => this.observe(client);
    }
  }

  /** Deliveries (edit × other client) not yet seen. */
  get pending(): number {
    return this.expected - this.delivered;
  }

  /** Logs an edit `writer` just made (call right after the transaction). */
  edited(writer: LeanClient, at: number): void {
    const id = writer.doc.clientID;
    let log = this.writers.get(id);
    if (!log) {
      log = { clocks: [], times: [] };
      this.writers.set(id, log);
    }
    log.clocks.push(Y.getState(writer.doc.store, id));
    log.times.push(at);
    this.expected += this.clients.length - 1;
  }

  private observe(receiver: LeanClient): void {
    const cursors = this.cursors.get(receiver);
    if (!cursors) return;
    const now = performance.now();
    for (const [id, log] of this.writers) {
      if (id === receiver.doc.clientID) continue;
      const state = Y.getState(receiver.doc.store, id);
      let cursor = cursors.get(id) ?? 0;
      while (cursor < log.clocks.length && (log.clocks[cursor] as number) <= state) {
        this.samples.add(now - (log.times[cursor] as number));
        cursor += 1;
        this.delivered += 1;
      }
      cursors.set(id, cursor);
    }
  }
}
