import * as Y from "yjs";
import { pollUntil } from "../concurrency";
import { addParagraph } from "../clients/content";
import type { LeanClient } from "../clients/lean-client";
import type { DocumentSpec, Target } from "../servers";
import { CpuMeter, LoopLagMonitor, Samples, type LoopLag, type Summary } from "../stats";
import { connectDocuments } from "./connect";
import { divergence, sameStateVectors } from "./converge";
import { DeliveryTracker } from "./delivery";
import { runPaced } from "./pacer";

export interface EditRunOptions {
  /** Edits per second made by each writer. */
  ratePerWriter: number;
  durationMs: number;
  /** How long to wait after the load for everything to arrive before counting the rest lost. */
  drainMs: number;
}

export interface EditRunResult {
  /** Edits made, and per second over all documents. */
  edits: number;
  editsPerSecond: number;
  /** Edit-propagation latency to every other client of the document (ms). */
  latency: Summary;
  /** Deliveries (edit × receiving client) that had not arrived when the drain ended. */
  lost: number;
  loopLag: LoopLag;
  /** Server CPU over the load, % of its one core. */
  serverCpu: number;
  /** The server's child processes' CPU (Tandem: its embedded PostgreSQL), % of a core. */
  databaseCpu: number;
}

/**
 * A set of documents, each with its clients connected and its writers' paragraphs in place,
 * ready to run timed edit loads on (again and again, for the ceiling).
 */
export class EditSession {
  private lostSoFar = 0;

  private constructor(
    private readonly target: Target,
    private readonly docs: ReadonlyArray<{ clients: LeanClient[]; writers: Array<{ client: LeanClient; text: Y.XmlText }>; tracker: DeliveryTracker }>,
  ) {}

  /**
   * Connects every client, lets the first `writersPerDocument` clients of each document add the
   * paragraph they will type into, waits until every client has every paragraph, then runs an
   * unmeasured warm-up load.
   * @throws Error when a client cannot connect or the setup does not converge within 30 s.
   */
  static async open(target: Target, specs: readonly DocumentSpec[], options: { writersPerDocument: number; concurrency?: number; warmup: { ratePerWriter: number; durationMs: number } }): Promise<EditSession> {
    const connected = await connectDocuments(specs, { awareness: true, concurrency: options.concurrency ?? 100 });
    const session = new EditSession(
      target,
      connected.clients.map((clients) => {
        const tracker = new DeliveryTracker(clients, new Samples());
        const writers = clients.slice(0, options.writersPerDocument).map((client) => ({ client, text: addParagraph(client.doc) }));
        return { clients, writers, tracker };
      }),
    );
    if (connected.failed > 0) {
      session.close();
      throw new Error(`${connected.failed} of ${specs.length * (specs[0]?.slots.length ?? 0)} clients could not connect: ${connected.firstError}`);
    }
    const ready = await pollUntil(() => session.docs.every((doc) => sameStateVectors(doc.clients)), 30_000, 20);
    if (!ready) {
      session.close();
      throw new Error("the writers' paragraphs did not reach every client within 30 s");
    }
    // Unmeasured: lets both sides' JIT and buffers settle, so the first window is not a cold start.
    await session.run({ ...options.warmup, drainMs: 10_000 });
    return session;
  }

  get clientCount(): number {
    return this.docs.reduce((sum, doc) => sum + doc.clients.length, 0);
  }

  /** Runs one timed load and waits for it to drain. */
  async run(options: EditRunOptions): Promise<EditRunResult> {
    const samples = new Samples();
    for (const doc of this.docs) doc.tracker.samples = samples;
    const edits = this.docs.flatMap((doc) =>
      doc.writers.map(({ client, text }) => {
        let seq = 0;
        return () => {
          const at = performance.now();
          text.insert(text.length, `${(seq++).toString(36)} `);
          doc.tracker.edited(client, at);
        };
      }),
    );
    const lag = new LoopLagMonitor();
    const cpu = new CpuMeter(this.target.pid);
    lag.start();
    await cpu.start();
    const started = performance.now();
    const made = await runPaced(edits, options.ratePerWriter, options.durationMs);
    const elapsed = performance.now() - started;
    const { server: serverCpu, children: databaseCpu } = await cpu.stopAll();
    const pending = () => this.docs.reduce((sum, doc) => sum + doc.tracker.pending, 0);
    await pollUntil(() => pending() <= this.lostSoFar, options.drainMs, 20);
    const loopLag = lag.stop();
    const lost = pending() - this.lostSoFar;
    this.lostSoFar += lost;
    return { edits: made, editsPerSecond: (made * 1000) / elapsed, latency: samples.summary(), lost, loopLag, serverCpu, databaseCpu };
  }

  /** Every document whose clients disagree (should be none), as messages. */
  divergences(): string[] {
    return this.docs.flatMap((doc, i) => {
      const problem = divergence(doc.clients);
      return problem ? [`document ${i}: ${problem}`] : [];
    });
  }

  close(): void {
    for (const doc of this.docs) for (const client of doc.clients) client.terminate();
  }
}
