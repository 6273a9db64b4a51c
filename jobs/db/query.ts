// A thin layer over pg: typed row helpers and a transaction wrapper that always
// releases its client and rolls back on any error, so callers cannot leak a
// half-open transaction into the pool.
import type pg from "pg";

export type Queryable = pg.Pool | pg.ClientBase;

export async function queryRows<T extends pg.QueryResultRow>(db: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  const res = await db.query<T>(sql, params);
  return res.rows;
}

export async function queryOne<T extends pg.QueryResultRow>(db: Queryable, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const res = await db.query<T>(sql, params);
  return res.rows[0];
}

export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await fn(client);
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // A client that failed mid-protocol (e.g. a killed COPY) is destroyed, not reused.
    client.release(broken && isConnectionError(broken) ? broken : undefined);
  }
}

/** Runs fn inside BEGIN … COMMIT on one client; ROLLBACK on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, (client) => transaction(client, fn));
}

export async function transaction<C extends pg.ClientBase, T>(client: C, fn: (client: C) => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

function isConnectionError(err: Error): boolean {
  return /Connection terminated|ECONNRESET|EPIPE|not queryable/i.test(err.message);
}
