// Right to erasure: delete every row of one participant in one transaction
// (all tables or none), with the participant id as a bound parameter. Table
// names come from the fixed list below (the data-plane schema in the team
// brief), never from input. Tables that do not exist (plain PostgreSQL
// without an optional feature, or an older schema) are skipped.
import pg from "pg";

/** Children before parents, so foreign keys (if any) never block the delete. */
export const PARTICIPANT_TABLES = [
  "samples",
  "imputed_samples",
  "sleep_stages",
  "sleep_sessions",
  "adherence_daily",
  "ingest_watermarks",
  "pipeline_runs",
  "contact_requests",
  "participant_contacts",
  "participants",
] as const;

export interface EraseResult {
  /** Rows deleted per table that exists. */
  deleted: Record<string, number>;
  /** Continuous aggregates refreshed so no derived per-participant rows remain. */
  refreshed: string[];
}

export type Eraser = (participantId: string) => Promise<EraseResult>;

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function createEraser(pool: pg.Pool): Eraser {
  return async (participantId) => {
    const client = await pool.connect();
    const deleted: Record<string, number> = {};
    let hrRange: { lo: Date | null; hi: Date | null } = { lo: null, hi: null };
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ t: string }>(
        "SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(quote_ident(t)) IS NOT NULL", [PARTICIPANT_TABLES as unknown as string[]]);
      const present = new Set(rows.map((r) => r.t));
      if (present.has("samples")) {
        const r = await client.query<{ lo: Date | null; hi: Date | null }>(
          "SELECT min(ts) AS lo, max(ts) AS hi FROM samples WHERE participant_id = $1", [participantId]);
        hrRange = r.rows[0] ?? hrRange;
      }
      for (const table of PARTICIPANT_TABLES) {
        if (!present.has(table)) continue;
        const r = await client.query(`DELETE FROM ${quoteIdent(table)} WHERE participant_id = $1`, [participantId]);
        deleted[table] = r.rowCount ?? 0;
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw new Error(`erasing participant data failed; nothing was deleted: ${(err as Error).message}`, { cause: err });
    } finally {
      client.release();
    }
    return { deleted, refreshed: await refreshAggregates(pool, hrRange) };
  };
}

/** Continuous aggregates keep derived rows until refreshed; refresh the erased window (outside a transaction, as TimescaleDB requires). */
async function refreshAggregates(pool: pg.Pool, range: { lo: Date | null; hi: Date | null }): Promise<string[]> {
  if (!range.lo || !range.hi) return [];
  const caggs = await pool.query<{ name: string }>(
    "SELECT view_name AS name FROM timescaledb_information.continuous_aggregates").catch(() => ({ rows: [] as { name: string }[] }));
  const done: string[] = [];
  const lo = new Date(range.lo.getTime() - 86_400_000);
  const hi = new Date(range.hi.getTime() + 86_400_000);
  for (const { name } of caggs.rows) {
    await pool.query("CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)", [name, lo, hi]);
    done.push(name);
  }
  return done;
}

export function createDbPool(url: string): pg.Pool {
  // The embedded server takes one connection at a time (jobs/db/embedded.ts).
  const embedded = process.env.WEARABLE_DB_EMBEDDED === "1";
  return new pg.Pool({ connectionString: url, max: embedded ? 1 : 2, idleTimeoutMillis: 30_000 });
}
