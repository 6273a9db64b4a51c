// `wearable impute` job core: read one participant's raw samples around a
// time range, impute the chosen metric, and replace the imputed rows of
// exactly that range in ONE transaction together with the pipeline_runs
// bookkeeping. Re-running the same range rewrites the same rows.
import type pg from "pg";
import type { Logger } from "pino";
import { queryOne, queryRows, transaction, withClient, type Queryable } from "../db/query.ts";
import { imputeSeries, type ImputeCounts } from "./impute.ts";
import type { MethodChoice, MethodName, Metric } from "./methods/types.ts";
import { alignDown, type GridSeries } from "./series.ts";

export interface ImputeJobOptions {
  participantId: string;
  metric: Metric;
  /** Range to (re)write, epoch ms, [from, to). */
  from: number;
  to: number;
  method: MethodChoice;
  maxGapMs: number;
  stepMs?: number;
  /** History before `from` that the per-participant profile learns from (default 7 days). */
  historyMs?: number;
  log?: Logger;
}

export interface ImputeJobResult extends ImputeCounts {
  runId: number;
  rowsWritten: number;
}

const DAY_MS = 86_400_000;

/** Minute-grid aggregate of one metric; steps: sum per source, then the largest source (never double-counts). */
// eslint-disable-next-line max-params -- one SQL query, one parameter per placeholder
async function loadGrid(db: Queryable, participantId: string, metric: Metric, start: number, end: number, stepMs: number): Promise<GridSeries> {
  const rows = await queryRows<{ b: string; v: number }>(
    db,
    metric === "steps"
      ? `SELECT b::text, max(v) AS v FROM (
           SELECT floor(extract(epoch FROM ts) * 1000 / $4)::bigint AS b, source, sum(value) AS v
           FROM samples WHERE participant_id = $1 AND metric = 'steps' AND ts >= $2 AND ts < $3
           GROUP BY 1, 2) s GROUP BY b`
      : `SELECT floor(extract(epoch FROM ts) * 1000 / $4)::bigint::text AS b, avg(value) AS v
         FROM samples WHERE participant_id = $1 AND metric = 'heart_rate' AND ts >= $2 AND ts < $3
         GROUP BY 1`,
    [participantId, new Date(start), new Date(end), stepMs],
  );
  const n = Math.round((end - start) / stepMs);
  const values = new Float64Array(n).fill(NaN);
  for (const r of rows) {
    const i = Number(r.b) - start / stepMs;
    if (i >= 0 && i < n && Number.isFinite(r.v)) values[i] = r.v;
  }
  return { start, stepMs, values };
}

interface ImputedRow {
  ts: Date;
  value: number;
  lower: number | null;
  upper: number | null;
  method: MethodName;
}

export async function runImputeJob(pool: pg.Pool, opts: ImputeJobOptions): Promise<ImputeJobResult> {
  const stepMs = opts.stepMs ?? 60_000;
  const from = alignDown(opts.from, stepMs);
  const to = alignDown(opts.to + stepMs - 1, stepMs);
  if (!(to > from)) throw new Error(`impute range is empty: --from must be before --to (got ${new Date(opts.from).toISOString()} .. ${new Date(opts.to).toISOString()})`);
  // Context: a week of history for the profile; maxGap + a day after `to` so gaps crossing the edge stay two-sided.
  const start = alignDown(from - (opts.historyMs ?? 7 * DAY_MS), stepMs);
  const end = alignDown(to + opts.maxGapMs + DAY_MS, stepMs);
  const details = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), method: opts.method, maxGapMinutes: opts.maxGapMs / 60_000 };
  const run = await queryOne<{ id: string }>(
    pool,
    `INSERT INTO pipeline_runs (kind, participant_id, metric, status, details) VALUES ('impute', $1, $2, 'running', $3) RETURNING id::text`,
    [opts.participantId, opts.metric, JSON.stringify(details)],
  );
  const runId = Number(run!.id);
  try {
    return await withClient(pool, async (client) => {
      const grid = await loadGrid(client, opts.participantId, opts.metric, start, end, stepMs);
      const other = await loadGrid(client, opts.participantId, opts.metric === "heart_rate" ? "steps" : "heart_rate", start, end, stepMs);
      const res = await imputeSeries(grid, {
        metric: opts.metric,
        method: opts.method,
        maxGapPoints: Math.floor(opts.maxGapMs / stepMs),
        ...(opts.metric === "heart_rate" ? { steps: other.values } : { heartRate: other.values }),
        fillFrom: (from - start) / stepMs,
        fillTo: (to - start) / stepMs,
        seed: 20_240_101,
      });
      const rows: ImputedRow[] = [];
      for (let i = (from - start) / stepMs; i < (to - start) / stepMs; i++) {
        if (res.imputed[i] !== 1) continue;
        const lo = res.lower[i]!, hi = res.upper[i]!;
        rows.push({ ts: new Date(start + i * stepMs), value: res.values[i]!, lower: Number.isFinite(lo) ? lo : null, upper: Number.isFinite(hi) ? hi : null, method: res.methodAt[i]! });
      }
      await transaction(client, async (tx) => {
        await tx.query(`DELETE FROM imputed_samples WHERE participant_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4`, [opts.participantId, opts.metric, new Date(from), new Date(to)]);
        for (let k = 0; k < rows.length; k += 5_000) {
          const batch = rows.slice(k, k + 5_000);
          await tx.query(
            `INSERT INTO imputed_samples (participant_id, metric, ts, value, lower, upper, method, run_id)
             SELECT $1, $2, t, v, l, u, m, $8 FROM unnest($3::timestamptz[], $4::float8[], $5::float8[], $6::float8[], $7::text[]) AS x(t, v, l, u, m)`,
            [opts.participantId, opts.metric, batch.map((r) => r.ts), batch.map((r) => r.value), batch.map((r) => r.lower), batch.map((r) => r.upper), batch.map((r) => r.method), runId],
          );
        }
        if (opts.metric === "heart_rate") await refreshImputedMinutes(tx, opts.participantId, new Date(from), new Date(to));
        await tx.query(
          `UPDATE pipeline_runs SET status = 'succeeded', finished_at = now(), rows_written = $2, details = details || $3::jsonb WHERE id = $1`,
          [runId, rows.length, JSON.stringify(res.counts)],
        );
      });
      opts.log?.info({ runId, participant: opts.participantId, metric: opts.metric, ...res.counts }, "Imputed gaps for participant");
      return { runId, rowsWritten: rows.length, ...res.counts };
    });
  } catch (err) {
    await pool
      .query(`UPDATE pipeline_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [runId, (err as Error).message.slice(0, 2000)])
      .catch(() => {});
    throw err;
  }
}

/**
 * Recounts adherence_daily.imputed_minutes for every local day the rewritten
 * range touches (whole days, so a range that starts mid-day still counts the
 * rest of that day). Runs inside the impute transaction, so the rollup and the
 * imputed rows never disagree. Days without a rollup row yet are left to the
 * next ingest, whose rollup counts imputed minutes too.
 */
async function refreshImputedMinutes(tx: { query: (sql: string, params: unknown[]) => Promise<unknown> }, participantId: string, from: Date, to: Date): Promise<void> {
  await tx.query(
    `UPDATE adherence_daily a
        SET imputed_minutes = (
              SELECT count(*) FROM imputed_samples i
               WHERE i.participant_id = a.participant_id AND i.metric = 'heart_rate'
                 AND i.ts >= (a.day::timestamp AT TIME ZONE p.time_zone)
                 AND i.ts < ((a.day + 1)::timestamp AT TIME ZONE p.time_zone)),
            updated_at = now()
       FROM participants p
      WHERE p.participant_id = a.participant_id AND a.participant_id = $1
        AND a.day BETWEEN ($2::timestamptz AT TIME ZONE p.time_zone)::date AND ($3::timestamptz AT TIME ZONE p.time_zone)::date`,
    [participantId, from, to],
  );
}
