import type pg from "pg";

/** A pool to run transactions on: each takes one connection for its duration. */
export type TransactionPool = Pick<pg.Pool, "connect">;

/** What a transaction's statements run on. */
export type TransactionClient = Pick<pg.PoolClient, "query">;

export interface TransactionOptions {
  /** Any statement running longer is cancelled, which rolls the transaction back. */
  statementTimeoutMs: number;
}

/**
 * Runs `work` in one transaction on one pooled connection: committed if it resolves, rolled
 * back if it throws (the error is rethrown). A connection whose rollback failed is destroyed
 * instead of going back to the pool in an unknown state.
 */
export async function inTransaction<T>(pool: TransactionPool, options: TransactionOptions, work: (client: TransactionClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // Simple query protocol: both statements in one round trip.
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.statementTimeoutMs))}`);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
