import { beforeAll, describe, expect, it } from "vitest";
import { testDatabaseWithPrisma } from "../../test/helpers/database";
import type { MentionsFound } from "../mentions/detect";
import { NotificationsRepository } from "./repository";

const database = testDatabaseWithPrisma();
const USERS = ["author", "u1", "u2", "u3", "u4", "u5", "outsider"];
let documentId = "";
let sequence = 0;

beforeAll(async () => {
  const { prisma } = database;
  await prisma.user.createMany({ data: USERS.map((id) => ({ id, name: id, email: `${id}@example.test`, color: "#336699" })) });
  documentId = await database.createDocument();
  await prisma.documentMember.createMany({ data: USERS.filter((id) => id !== "outsider").map((userId) => ({ documentId, userId, role: userId === "author" ? "owner" : "editor" })) });
});

function found(userIds: string[], authorId = "author"): MentionsFound {
  return {
    documentId,
    authorId,
    mentions: userIds.map((userId) => {
      sequence += 1;
      return { mentionId: `mention-${sequence}`, userId, label: userId, excerpt: `hi @${userId}` };
    }),
  };
}

describe("NotificationsRepository.createForMentions", () => {
  it("[NT2][NT3][NT4] one batch: members other than the author, each mention id once, in id order, with the view", async () => {
    const repository = new NotificationsRepository(database.prisma);
    const first = found(["u1", "outsider", "author", "u2"]);
    // Another update of the batch repeats the first mention id (a paste of the same node).
    const repeated = { ...found(["u3"]), mentions: [...first.mentions.slice(0, 1), ...found(["u3"]).mentions] };
    const created = await repository.createForMentions([first, repeated]);
    expect(created.map((c) => [c.userId, c.notification.mentionId])).toEqual([
      ["u1", first.mentions[0]?.mentionId],
      ["u2", first.mentions[3]?.mentionId],
      ["u3", repeated.mentions[1]?.mentionId],
    ]);
    const ids = created.map((c) => BigInt(c.notification.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(created[0]?.notification).toMatchObject({ document: { id: documentId, title: "t" }, author: { id: "author", name: "author", color: "#336699" }, excerpt: "hi @u1", readAt: null });
    // Already notified: nothing new.
    expect(await repository.createForMentions([first])).toEqual([]);
  });

  it("[NT5] concurrent batches with the same recipients in any order neither deadlock nor interleave a user's ids", async () => {
    const repository = new NotificationsRepository(database.prisma);
    const orders = [
      ["u1", "u2", "u3", "u4", "u5"],
      ["u5", "u4", "u3", "u2", "u1"],
      ["u3", "u1", "u5", "u2", "u4"],
      ["u2", "u5", "u1", "u4", "u3"],
    ];
    const batches = Array.from({ length: 16 }, (_, i) => [found(orders[i % orders.length] ?? []), found(["u1", "u5"])]);
    const results = await Promise.all(batches.map((batch) => repository.createForMentions(batch)));
    expect(results.flat()).toHaveLength(16 * 7);
    // A batch holds its recipients' locks until it commits: per user, one batch's ids all come
    // before (or all after) another's.
    for (const user of ["u1", "u3", "u5"]) {
      const spans = results
        .map((created) => created.filter((c) => c.userId === user).map((c) => BigInt(c.notification.id)))
        .map((ids) => [ids[0] as bigint, ids.at(-1) as bigint] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : 1));
      for (let i = 1; i < spans.length; i += 1) expect((spans[i]?.[0] as bigint) > (spans[i - 1]?.[1] as bigint)).toBe(true);
    }
  });
});
