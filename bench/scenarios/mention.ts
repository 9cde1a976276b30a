import { randomUUID } from "node:crypto";
import { pollUntil } from "../concurrency";
import { addMention } from "../clients/content";
import { LeanClient } from "../clients/lean-client";
import { SseClient } from "../clients/sse-client";
import { LoopLagMonitor, Samples } from "../stats";
import { metric, type Scenario } from "./types";

const NOTIFICATION_TIMEOUT_MS = 10_000;

/**
 * A mentions B in a shared document while B holds the event stream: the time from A's edit to
 * B's `notification` event. Tandem only (the peers have no notifications).
 */
export const mention: Scenario = {
  name: "mention",
  supports: (target) => target.tandem !== undefined,
  async run({ target, options, log }) {
    const tandem = target.tandem;
    if (!tandem) throw new Error("mention needs Tandem");
    const [spec] = await target.provision({ documents: 1, clientsPerDocument: 2 });
    const author = spec?.slots[0];
    const mentioned = spec?.slots[1]?.user;
    if (!spec || !author || !mentioned) throw new Error("no document provisioned");

    const arrived = new Map<string, number>();
    const stream = new SseClient(`${tandem.baseUrl}/api/events`, mentioned.cookie);
    let live = false;
    stream.onEvent = ({ event, data }) => {
      if (event === "presence") live = true;
      if (event !== "notification") return;
      const { mentionId } = JSON.parse(data) as { mentionId: string };
      arrived.set(mentionId, performance.now());
    };
    const client = new LeanClient(author.endpoint, { awareness: true, name: "author" });
    const latency = new Samples();
    let lost = 0;
    const lag = new LoopLagMonitor();
    try {
      await stream.open();
      if (!(await pollUntil(() => live, 10_000))) throw new Error("the event stream sent no presence snapshot");
      await client.connect();
      lag.start();
      for (let i = 0; i < options.mention.count; i++) {
        const mentionId = randomUUID();
        const at = performance.now();
        addMention(client.doc, { id: mentioned.id, name: mentioned.name }, mentionId);
        if (await pollUntil(() => arrived.has(mentionId), NOTIFICATION_TIMEOUT_MS, 1)) latency.add((arrived.get(mentionId) as number) - at);
        else lost += 1;
        await new Promise((resolve) => setTimeout(resolve, options.mention.intervalMs));
      }
      const loopLag = lag.stop();
      const result = latency.summary();
      log(`${result.count} notifications: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`);
      return {
        metrics: [
          metric("mention → notification p50", "ms", result.p50, "lower"),
          metric("mention → notification p99", "ms", result.p99, "lower"),
          metric("mention → notification max", "ms", result.max, "lower"),
          metric("notifications missing", "", lost, "lower"),
          metric("generator loop lag p99", "ms", loopLag.p99, null),
        ],
        failures: lost > 0 ? [`${lost} of ${options.mention.count} mentions produced no notification within ${NOTIFICATION_TIMEOUT_MS / 1000} s`] : [],
        notes: [`${options.mention.count} mentions, one every ${options.mention.intervalMs} ms after the previous notification`],
      };
    } finally {
      client.terminate();
      stream.close();
    }
  },
};
