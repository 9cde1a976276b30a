import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { testDatabaseWithPrisma } from "../../test/helpers/database";
import type { Sql } from "../db/prisma";
import { LogAppender } from "./log-appender";

const database = testDatabaseWithPrisma();
const { createDocument } = database;

function insertion(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("t").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** Plain SQL, counting the statements LogAppender sends. */
function countingSql(): { client: Sql; statements: () => number } {
  let statements = 0;
  const client = new Proxy(database.sql, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== "query" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        statements += 1;
        return Reflect.apply(value, target, args);
      };
    },
  });
  return { client, statements: () => statements };
}

async function rowsOf(documentId: string): Promise<number[][]> {
  const rows = await database.prisma.documentUpdate.findMany({ where: { documentId }, orderBy: { id: "asc" }, select: { data: true } });
  return rows.map((row) => [...row.data]);
}

describe("LogAppender", () => {
  it("[PS8] appends made together, for many documents, go to PostgreSQL as one statement", async () => {
    const { client, statements } = countingSql();
    const appender = new LogAppender(client);
    const documents = await Promise.all(Array.from({ length: 20 }, createDocument));
    const updates = documents.map((_, i) => insertion(`doc ${i}`));

    await Promise.all(documents.map((documentId, i) => appender.append(documentId, updates[i] as Uint8Array)));

    expect(statements()).toBe(1);
    for (const [i, documentId] of documents.entries()) expect(await rowsOf(documentId)).toEqual([[...(updates[i] as Uint8Array)]]);
  });

  it("[PS8] appends that arrive while a statement is in flight go together in the next, in order", async () => {
    const { client, statements } = countingSql();
    const appender = new LogAppender(client);
    const documentId = await createDocument();
    const updates = Array.from({ length: 10 }, (_, i) => insertion(`u${i}`));

    const first = appender.append(documentId, updates[0] as Uint8Array);
    // The first statement is on its way after this turn; these nine wait for it.
    await new Promise((resolve) => setImmediate(resolve));
    const rest = updates.slice(1).map((update) => appender.append(documentId, update));
    await Promise.all([first, ...rest]);

    expect(statements()).toBe(2);
    expect(await rowsOf(documentId)).toEqual(updates.map((update) => [...update]));
  });

  it("[PS8] a row whose document is gone fails alone; the rest of its batch is stored", async () => {
    const appender = new LogAppender(database.sql);
    const [kept, deleted] = [await createDocument(), await createDocument()];
    await database.prisma.document.delete({ where: { id: deleted } });
    const update = insertion("kept");

    const [ok, gone] = await Promise.allSettled([appender.append(kept, update), appender.append(deleted, insertion("lost"))]);

    expect(ok.status).toBe("fulfilled");
    expect(gone.status).toBe("rejected");
    expect(await rowsOf(kept)).toEqual([[...update]]);
    // The appender goes on after a failure.
    await appender.append(kept, update);
    expect(await rowsOf(kept)).toHaveLength(2);
  });
});
