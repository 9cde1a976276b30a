import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { testDatabaseWithPrisma } from "../../test/helpers/database";
import { MemoryStore } from "./memory-store";
import { PostgresStore } from "./postgres-store";
import { describeStoreContract } from "./store-contract";
import { deferred } from "./test-support";

describeStoreContract("MemoryStore", async () => {
  const store = new MemoryStore();
  return { store, otherProcess: () => store.handle(), createDocument: async () => crypto.randomUUID(), close: async () => {} };
});

const database = testDatabaseWithPrisma();
const { createDocument } = database;

describeStoreContract("PostgresStore", async () => ({
  store: new PostgresStore(database),
  otherProcess: () => new PostgresStore(database),
  createDocument,
  // A compaction writes the snapshot row first: a transaction holding that row's lock stops it there.
  holdCompaction: async (documentId) => {
    const locked = deferred();
    const released = deferred();
    const holding = database.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM document_snapshot WHERE "documentId" = ${documentId}::uuid FOR UPDATE`;
        if (rows.length !== 1) throw new Error("holdCompaction needs a document with a snapshot");
        locked.resolve();
        await released.promise;
      },
      { timeout: 20_000 },
    );
    holding.catch(locked.reject);
    await locked.promise;
    return async () => {
      released.resolve();
      await holding;
    };
  },
  close: async () => {},
}));

describe("PostgresStore", () => {
  const update = () => {
    const doc = new Y.Doc();
    doc.getText("t").insert(0, "x");
    return Y.encodeStateAsUpdate(doc);
  };
  async function updatedAt(documentId: string): Promise<Date> {
    return (await database.prisma.document.findUniqueOrThrow({ where: { id: documentId } })).updatedAt;
  }
  async function setUpdatedAgo(documentId: string, seconds: number): Promise<Date> {
    await database.prisma.$executeRaw`UPDATE document SET "updatedAt" = now() - make_interval(secs => ${seconds}) WHERE id = ${documentId}::uuid`;
    return updatedAt(documentId);
  }

  it("[PS6] append moves document.updatedAt to now, at most every 10 seconds", async () => {
    const store = new PostgresStore(database);
    const documentId = await createDocument();

    const stale = await setUpdatedAgo(documentId, 11);
    await store.append(documentId, update());
    const bumped = await updatedAt(documentId);
    expect(bumped.getTime() - stale.getTime()).toBeGreaterThanOrEqual(11_000);

    await store.append(documentId, update());
    expect(await updatedAt(documentId)).toEqual(bumped);

    const recent = await setUpdatedAgo(documentId, 9);
    await store.append(documentId, update());
    expect(await updatedAt(documentId)).toEqual(recent);
  });
});
