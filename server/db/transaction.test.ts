import { describe, expect, it } from "vitest";
import { testDatabaseWithPrisma } from "../../test/helpers/database";
import { inTransaction } from "./transaction";

const database = testDatabaseWithPrisma();
const OPTIONS = { statementTimeoutMs: 5_000 };

async function titleOf(id: string): Promise<string | undefined> {
  const { rows } = await database.sql.query<{ title: string }>(`SELECT title FROM document WHERE id = $1::uuid`, [id]);
  return rows[0]?.title;
}

describe("inTransaction", () => {
  it("commits what the work did once it resolves, and returns its result", async () => {
    const id = await database.createDocument();
    const result = await inTransaction(database.sql, OPTIONS, async (tx) => {
      await tx.query(`UPDATE document SET title = 'committed' WHERE id = $1::uuid`, [id]);
      return 42;
    });
    expect(result).toBe(42);
    expect(await titleOf(id)).toBe("committed");
  });

  it("rolls everything back when the work throws, rethrows, and leaves the connection usable", async () => {
    const id = await database.createDocument();
    const failure = inTransaction(database.sql, OPTIONS, async (tx) => {
      await tx.query(`UPDATE document SET title = 'never' WHERE id = $1::uuid`, [id]);
      throw new Error(`expected failure for document ${id}`);
    });
    await expect(failure).rejects.toThrow(/expected failure/);
    expect(await titleOf(id)).toBe("t");
    // The pool still serves transactions: the failed one gave its connection back clean.
    for (let i = 0; i < 12; i++) expect(await inTransaction(database.sql, OPTIONS, async (tx) => (await tx.query("SELECT 1 AS one")).rows[0])).toEqual({ one: 1 });
  });

  it("cancels a statement that runs past the timeout, rolling the transaction back", async () => {
    const id = await database.createDocument();
    const slow = inTransaction(database.sql, { statementTimeoutMs: 100 }, async (tx) => {
      await tx.query(`UPDATE document SET title = 'slow' WHERE id = $1::uuid`, [id]);
      await tx.query("SELECT pg_sleep(5)");
    });
    await expect(slow).rejects.toThrow(/statement timeout/);
    expect(await titleOf(id)).toBe("t");
  });
});
