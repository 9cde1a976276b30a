/**
 * What other instances send is input: a message that does not fit its schema (another version
 * during a rolling deploy, corruption) is logged and ignored, never thrown in the bus listener,
 * and ids arrive in their canonical spelling.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { InProcessBusNetwork } from "../bus";
import { createTestLogger } from "../collab/test-support";
import type { DocumentEvent } from "../documents";
import { ClusterEvents } from "./cluster-events";
import { ClusterPresence } from "./cluster-presence";
import { EventHub } from "./hub";

const DOC = "0b9c3a4e-2f5d-4c6b-9e1a-7d8f0a1b2c3d";
const encode = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

describe("messages from other instances are validated", () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  function listener() {
    const network = new InProcessBusNetwork();
    const { logger, entries } = createTestLogger("warn");
    const seen: DocumentEvent[] = [];
    const hub = new EventHub();
    const events = new ClusterEvents({ bus: network.connect(), hub, onDocumentEvent: (event) => seen.push(event), logger });
    closers.push(() => events.close());
    return { sender: network.connect(), seen, hub, entries };
  }

  it("[BUS1] a malformed or unknown document event is logged and ignored; a valid one arrives with its id in lowercase", async () => {
    const { sender, seen, entries } = listener();
    for (const bad of ["{not json", { type: "exploded", documentId: DOC }, { type: "member-removed", documentId: "nope", userId: "u" }, { type: "deleted", documentId: DOC }, null, 42]) {
      sender.publish("document-events", encode(bad));
    }
    sender.publish("document-events", encode({ type: "member-removed", documentId: DOC.toUpperCase(), userId: "u1" }));
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toEqual({ type: "member-removed", documentId: DOC, userId: "u1" });
    expect(entries.filter((e) => e.msg === "malformed event from another instance; ignored")).toHaveLength(6);
  });

  it("[BUS1] a malformed stream event for a user is ignored, a valid one reaches the user's streams", async () => {
    const { sender, hub } = listener();
    const got: unknown[] = [];
    hub.subscribe("u1", (event) => got.push(event));
    sender.publish("user-events", encode({ userId: "u1", event: { event: "notification", data: { id: "1" } } }));
    sender.publish("user-events", encode({ userId: "u1", event: { event: "notification-read", data: { ids: "all", unreadCount: 0 } } }));
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]).toEqual({ event: "notification-read", data: { ids: "all", unreadCount: 0 } });
  });

  it("[BUS1] a malformed presence message is ignored without throwing", async () => {
    const network = new InProcessBusNetwork();
    const { logger, entries } = createTestLogger("warn");
    const changed: string[] = [];
    const presence = new ClusterPresence(network.connect(), (documentId) => changed.push(documentId), logger, { beatMs: 60_000, expireMs: 180_000 });
    closers.push(() => presence.close());
    const sender = network.connect();
    sender.publish("presence", encode({ kind: "delta", instanceId: "other", documentId: DOC }));
    sender.publish("presence", encode({ kind: "delta", instanceId: "other", documentId: DOC.toUpperCase(), users: [{ id: "u1", name: "Ada", color: "#123456" }] }));
    await vi.waitFor(() => expect(changed).toEqual([DOC]));
    expect(presence.snapshot([DOC])).toEqual([{ documentId: DOC, users: [{ id: "u1", name: "Ada", color: "#123456" }] }]);
    expect(entries.some((e) => e.msg === "malformed presence message from another instance; ignored")).toBe(true);
  });
});
