import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { TestClient } from "../helpers/client";
import { connectPeer, waitFor } from "../helpers/collab-client";
import { SseClient } from "../helpers/sse-client";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

function insertMention(fragment: Y.XmlFragment, user: { id: string; name: string }, mentionId: string): void {
  const paragraph = new Y.XmlElement("paragraph");
  const mention = new Y.XmlElement("mention");
  mention.setAttribute("id", user.id);
  mention.setAttribute("label", user.name);
  mention.setAttribute("mentionId", mentionId);
  paragraph.insert(0, [new Y.XmlText("Please review this, "), mention, new Y.XmlText(" thanks!")]);
  fragment.insert(fragment.length, [paragraph]);
}

describe("event stream smoke", () => {
  it("delivers presence and a mention notification", async () => {
    const alice = await TestClient.signUp(server.url, { name: "Alice" });
    const bob = await TestClient.signUp(server.url, { name: "Bob" });
    const doc = (await alice.request<{ id: string }>("POST", "/api/documents", { title: "Plan" })).body.id;
    await alice.request("POST", `/api/documents/${doc}/members`, { email: bob.user?.email, role: "editor" });
    const stream = await SseClient.open(bob);
    expect(stream.status).toBe(200);
    await stream.waitFor((e) => e.some((x) => x.event === "presence"), "presence snapshot");

    const peer = connectPeer(alice, doc);
    await waitFor(() => peer.provider.synced, "synced");
    await stream.waitFor((e) => e.some((x) => x.event === "presence" && JSON.stringify(x.data).includes(alice.user?.id ?? "?")), "alice present");

    insertMention(peer.fragment, { id: bob.user?.id ?? "", name: "Bob" }, "m-1");
    await stream.waitFor((e) => e.some((x) => x.event === "notification"), "notification");
    const [notification] = stream.named<{ excerpt: string; author: { id: string } }>("notification");
    expect(notification?.data.excerpt).toBe("Please review this, @Bob thanks!");
    expect(notification?.data.author.id).toBe(alice.user?.id);
    expect(notification?.id).toMatch(/^\d+$/);
    peer.destroy();
    await stream.close();
  });
});
