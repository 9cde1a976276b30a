/**
 * Fixtures of the multi-instance tests (test/scale/*): one user signed in on every instance,
 * shared documents, mention paragraphs and presence as a stream last reported it.
 */
import * as Y from "yjs";
import type { PresenceUser } from "../../server/events/types";
import { TestClient } from "../helpers/client";
import type { SseClient } from "../helpers/sse-client";

const PASSWORD = "correct horse battery staple";

export type User = NonNullable<TestClient["user"]>;

/** One user with a signed-in client per instance (`clients[i]` talks to `urls[i]`), as one person's tabs behind a load balancer. */
export interface Person {
  user: User;
  clients: TestClient[];
  /** The client on the instance at `index`. */
  on(index: number): TestClient;
}

/** Signs a new user up on the first instance and in on the others (they share the database). */
export async function signUpEverywhere(urls: string[], name: string): Promise<Person> {
  const [first, ...others] = urls;
  if (first === undefined) throw new Error("no instance to sign up on");
  const owner = await TestClient.signUp(first, { name, password: PASSWORD });
  const user = owner.user as User;
  const clients = [owner];
  for (const url of others) {
    const client = new TestClient(url);
    const reply = await client.request("POST", "/api/auth/sign-in/email", { email: user.email, password: PASSWORD });
    if (reply.status !== 200) throw new Error(`sign-in on ${url} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    client.user = user;
    clients.push(client);
  }
  return {
    user,
    clients,
    on: (index) => {
      const client = clients[index];
      if (!client) throw new Error(`no client on instance ${index}`);
      return client;
    },
  };
}

/** A document owned by `owner`, shared with every member as editor. */
export async function createSharedDocument(owner: TestClient, title: string, members: Person[]): Promise<string> {
  const created = await owner.request<{ id: string }>("POST", "/api/documents", { title });
  if (created.status !== 201) throw new Error(`creating a document failed: ${created.status} ${JSON.stringify(created.body)}`);
  for (const member of members) {
    const shared = await owner.request("POST", `/api/documents/${created.body.id}/members`, { email: member.user.email, role: "editor" });
    if (shared.status !== 201) throw new Error(`sharing failed: ${shared.status} ${JSON.stringify(shared.body)}`);
  }
  return created.body.id;
}

/** Appends a paragraph `text` (one transaction) and returns its text node. */
export function appendParagraph(fragment: Y.XmlFragment, text = ""): Y.XmlText {
  const paragraph = new Y.XmlElement("paragraph");
  const content = new Y.XmlText(text);
  paragraph.insert(0, [content]);
  fragment.insert(fragment.length, [paragraph]);
  return content;
}

/** Appends `Please review this, @Name thanks!` with a Tiptap mention node of `user`. */
export function appendMention(fragment: Y.XmlFragment, user: { id: string; name: string }, mentionId: string): void {
  const mention = new Y.XmlElement("mention");
  mention.setAttribute("id", user.id);
  mention.setAttribute("label", user.name);
  mention.setAttribute("mentionId", mentionId);
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText("Please review this, "), mention, new Y.XmlText(" thanks!")]);
  fragment.insert(fragment.length, [paragraph]);
}

type PresenceData = { snapshot: boolean; documents: Array<{ documentId: string; users: PresenceUser[] }> };

/**
 * Who is in the document according to the stream's latest word on it: the last `presence`
 * event naming it, or an empty list when a later snapshot leaves it out.
 */
export function presentIn(stream: SseClient, documentId: string): string[] {
  let users: PresenceUser[] = [];
  for (const { data } of stream.named<PresenceData>("presence")) {
    const entry = data.documents.find((d) => d.documentId === documentId);
    if (entry) users = entry.users;
    else if (data.snapshot) users = [];
  }
  return users.map((u) => u.id).sort();
}

/** Notification events of a stream: `[id, mentionId]`, in arrival order. */
export function notificationIds(stream: SseClient): Array<[id: string | undefined, mentionId: string]> {
  return stream.named<{ mentionId: string }>("notification").map((e) => [e.id, e.data.mentionId]);
}

/** Resolves once the asynchronous `check` holds, asking every 20 ms; rejects after `timeoutMs` naming `what`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
