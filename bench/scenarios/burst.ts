import { pollUntil } from "../concurrency";
import { addParagraph } from "../clients/content";
import { connectDocuments } from "../load/connect";
import { divergence, sameStateVectors } from "../load/converge";
import { DeliveryTracker } from "../load/delivery";
import { LoopLagMonitor, Samples } from "../stats";
import { metric, type Scenario } from "./types";

/** `bytes` of plain prose-like ASCII text (words and spaces), different on every call. */
function pasteText(bytes: number, salt: number): string {
  const words = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod", "tempor"];
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const word = `${words[(i * 7 + salt) % words.length]} `;
    parts.push(word);
    length += word.length;
  }
  return parts.join("").slice(0, bytes);
}

/** A large paste (1 MiB) into a document open in many clients: time until every client has it. */
export const burst: Scenario = {
  name: "burst",
  supports: () => true,
  async run({ target, options, log }) {
    const { clients, bytes, repeats } = options.burst;
    const [spec] = await target.provision({ documents: 1, clientsPerDocument: clients });
    if (!spec) throw new Error("no document provisioned");
    const connected = await connectDocuments([spec], { awareness: true, concurrency: 50 });
    const peers = connected.clients[0] ?? [];
    try {
      if (connected.failed > 0) throw new Error(`${connected.failed} clients could not connect: ${connected.firstError}`);
      const writer = peers[0];
      if (!writer) throw new Error("no client connected");
      const text = addParagraph(writer.doc);
      if (!(await pollUntil(() => sameStateVectors(peers), 30_000, 20))) throw new Error("setup did not converge");
      const tracker = new DeliveryTracker(peers, new Samples());
      const everyone = new Samples();
      const lag = new LoopLagMonitor();
      lag.start();
      let lost = 0;
      for (let i = 0; i < repeats; i++) {
        const samples = new Samples();
        tracker.samples = samples;
        const paste = pasteText(bytes, i);
        const at = performance.now();
        text.insert(text.length, paste);
        tracker.edited(writer, at);
        const arrived = await pollUntil(() => tracker.pending === lost, 60_000, 1);
        if (!arrived) lost = tracker.pending;
        const all = samples.summary();
        everyone.add(all.max);
        log(`paste ${i + 1}: every client had it after ${all.max.toFixed(1)} ms (half of them after ${all.p50.toFixed(1)} ms)`);
      }
      const loopLag = lag.stop();
      const result = everyone.summary();
      const problem = divergence(peers);
      return {
        metrics: [
          metric("time until every client has it p50", "ms", result.p50, "lower"),
          metric("time until every client has it max", "ms", result.max, "lower"),
          metric("lost deliveries", "", lost, "lower"),
          metric("generator loop lag max", "ms", loopLag.max, null),
        ],
        failures: [...(problem ? [problem] : []), ...(lost > 0 ? [`${lost} deliveries lost`] : [])],
        notes: [`${repeats} pastes of ${bytes} bytes into a document open in ${clients} clients`],
      };
    } finally {
      for (const peer of peers) peer.terminate();
    }
  },
};
