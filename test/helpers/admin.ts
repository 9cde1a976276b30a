import pg from "pg";

/** Runs `work` on a short-lived connection to `serverUrl` (any database on the server). */
export async function runAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `serverUrl` pointing at another database on the same server. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops a database, ending the sessions still connected to it. */
export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  await runAdmin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)} WITH (FORCE)`));
}
