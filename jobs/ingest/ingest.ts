// The ingest job's core: read each metric from a DataSource since its
// watermark, validate, write in batches (one transaction each), advance the
// watermark only after the metric's data is committed, then recompute the
// adherence rollup for the days read and refresh the hourly aggregate.
//
// Crash safety: a kill at any point leaves committed batches (upserts) and
// an unmoved watermark, so the next run re-reads the same window and rewrites
// the same rows — no duplicates, nothing lost.
import type pg from "pg";
import type { Logger } from "pino";
import type { Db } from "../db/pool.ts";
import { queryOne, queryRows } from "../db/query.ts";
import { PermanentSourceError, SAMPLE_METRICS, type DataSource, type Metric, type SampleMetric, type TimeWindow } from "../sources/types.ts";
import { adherenceSummary, recomputeAdherence, type AdherenceSummary } from "./adherence.ts";
import { emptyTally, rejectedCount, SampleSet, validateSamples, validateSleep, type ValidationTally, type ValidSample, type ValidSleepSession } from "./validate.ts";
import { DAY_MS, localDate, readWindow } from "./window.ts";
import { streamFreshBatches, writeSampleBatch, writeSleepBatch, type WriteStrategy } from "./writer.ts";

export interface IngestOptions {
  db: Db;
  source: DataSource;
  participantId: string;
  metrics: readonly Metric[];
  /** IANA zone for local days; default: the participant's stored zone, else UTC. */
  timeZone?: string;
  now?: Date;
  backfillDays?: number;
  trailingWindowMs?: number;
  /** Rows per transaction. */
  batchRows?: number;
  validDayMinutes?: number;
  strategy?: WriteStrategy;
  log?: Logger;
  /** Called after each committed batch (progress output; tests inject failures here). */
  onBatch?: (info: { metric: Metric; rows: number; committedRows: number }) => void | Promise<void>;
}

export interface MetricResult {
  window: { from: string; to: string };
  accepted: number;
  duplicates: number;
  written: number;
  rejected: ValidationTally["rejected"];
  batches: number;
  watermark: string | null;
}

export interface IngestResult {
  runId: number;
  participantId: string;
  timeZone: string;
  rowsWritten: number;
  rowsRejected: number;
  lastSampleTime: string | null;
  metrics: Partial<Record<Metric, MetricResult>>;
  daysRecomputed: number;
  adherence: AdherenceSummary;
}

export const DEFAULTS = { backfillDays: 7, trailingWindowMs: 3 * DAY_MS, batchRows: 50_000 } as const;
const LOCK_CLASS = 7271;

/** The job failed; `runId` names the pipeline_runs row that says why. */
export class IngestError extends Error {
  override name = "IngestError";
  readonly runId: number | null;
  readonly permanent: boolean;
  constructor(message: string, opts: { cause: unknown; runId: number | null }) {
    super(message, { cause: opts.cause });
    this.runId = opts.runId;
    this.permanent = opts.cause instanceof PermanentSourceError;
  }
}

export async function ingest(opts: IngestOptions): Promise<IngestResult> {
  const { db, participantId, log } = opts;
  const lock = db.embedded ? null : await lockParticipant(db.pool, participantId);
  try {
    const client = await db.pool.connect();
    let runId: number | null = null;
    let broken: Error | undefined;
    try {
      const { timeZone, ingestStart } = await upsertParticipant(client, participantId, opts.timeZone);
      await client.query(
        `UPDATE pipeline_runs SET status = 'failed', finished_at = now(), error = 'abandoned: the job ended without recording a result (killed or crashed)'
          WHERE kind = 'ingest' AND participant_id = $1 AND status = 'running'`,
        [participantId],
      );
      const run = await queryOne<{ id: number }>(client,
        `INSERT INTO pipeline_runs (kind, participant_id, metric, details) VALUES ('ingest', $1, $2, $3) RETURNING id`,
        [participantId, opts.metrics.join(","), { source: opts.source.name }]);
      runId = run!.id;
      const result = await runMetrics(client, { ...opts, timeZone, ingestStart }, runId);
      await client.query(
        `UPDATE pipeline_runs SET status = 'succeeded', finished_at = now(), rows_written = $2, rows_rejected = $3, details = $4 WHERE id = $1`,
        [runId, result.rowsWritten, result.rowsRejected, { source: opts.source.name, metrics: result.metrics, daysRecomputed: result.daysRecomputed }],
      );
      log?.info({ participant: participantId, runId, rowsWritten: result.rowsWritten, rowsRejected: result.rowsRejected, adherence: result.adherence }, "Ingested participant data");
      return result;
    } catch (err) {
      broken = err as Error;
      throw await failRun({ pool: db.pool, client, participantId, runId, log }, err);
    } finally {
      client.release(broken && /terminated|ECONNRESET|not queryable/i.test(broken.message) ? broken : undefined);
    }
  } finally {
    await unlock(lock, participantId);
  }
}

interface FailContext {
  pool: pg.Pool;
  client: pg.PoolClient;
  participantId: string;
  runId: number | null;
  log?: Logger;
}

async function failRun({ pool, client, participantId, runId, log }: FailContext, err: unknown): Promise<IngestError> {
  const message = err instanceof PermanentSourceError
    ? `ingest of participant ${participantId} stopped: ${err.message} (watermark left unchanged; fix the cause, then re-run)`
    : `ingest of participant ${participantId} failed: ${(err as Error).message}`;
  if (runId !== null) {
    const sql = `UPDATE pipeline_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`;
    // The run's client may be the thing that broke; fall back to a fresh connection.
    await client.query(sql, [runId, message]).catch(() => pool.query(sql, [runId, message])).catch((e: Error) =>
      log?.warn({ runId, err: e.message }, "Failed to record the failed ingest run"));
  }
  log?.error({ participant: participantId, runId, err: (err as Error).message, permanent: err instanceof PermanentSourceError }, "Failed to ingest participant data");
  return new IngestError(message, { cause: err, runId });
}

/** One ingest per participant at a time (a CronJob run overlapping a manual one); real servers only. */
async function lockParticipant(pool: pg.Pool, participantId: string): Promise<pg.PoolClient> {
  const c = await pool.connect();
  const row = await queryOne<{ ok: boolean }>(c, "SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [LOCK_CLASS, participantId]);
  if (!row?.ok) {
    c.release();
    throw new Error(`another ingest of participant ${participantId} is running (advisory lock held); let it finish, then re-run`);
  }
  return c;
}

async function unlock(c: pg.PoolClient | null, participantId: string): Promise<void> {
  if (!c) return;
  await c.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_CLASS, participantId]).catch(() => {});
  c.release();
}

async function upsertParticipant(client: pg.ClientBase, participantId: string, timeZone: string | undefined): Promise<{ timeZone: string; ingestStart: number | null }> {
  const row = await queryOne<{ time_zone: string; ingest_start: Date | null }>(client,
    `INSERT INTO participants (participant_id, time_zone) VALUES ($1, coalesce($2, 'UTC'))
     ON CONFLICT (participant_id) DO UPDATE SET time_zone = coalesce($2, participants.time_zone)
     RETURNING time_zone, ingest_start`,
    [participantId, timeZone ?? null]);
  return { timeZone: row!.time_zone, ingestStart: row!.ingest_start ? row!.ingest_start.getTime() : null };
}

async function readWatermark(client: pg.ClientBase, participantId: string, metric: Metric): Promise<number | null> {
  const row = await queryOne<{ watermark: Date }>(client, "SELECT watermark FROM ingest_watermarks WHERE participant_id = $1 AND metric = $2", [participantId, metric]);
  return row ? row.watermark.getTime() : null;
}

async function advanceWatermark(client: pg.ClientBase, participantId: string, metric: Metric, ms: number): Promise<void> {
  await client.query(
    `INSERT INTO ingest_watermarks (participant_id, metric, watermark, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (participant_id, metric) DO UPDATE
       SET watermark = GREATEST(ingest_watermarks.watermark, EXCLUDED.watermark), updated_at = now()`,
    [participantId, metric, new Date(ms).toISOString()],
  );
}

type Resolved = IngestOptions & { timeZone: string; ingestStart: number | null };

async function runMetrics(client: pg.PoolClient, opts: Resolved, runId: number): Promise<IngestResult> {
  const nowMs = (opts.now ?? new Date()).getTime();
  const policy = {
    nowMs, timeZone: opts.timeZone,
    trailingMs: opts.trailingWindowMs ?? DEFAULTS.trailingWindowMs,
    backfillDays: opts.backfillDays ?? DEFAULTS.backfillDays,
  };
  const metrics: Partial<Record<Metric, MetricResult>> = {};
  let earliestFrom = nowMs;
  let lastSample: number | null = null;
  // The first run's backfill start is the participant's floor: later re-reads never go before it.
  const floor = opts.ingestStart ?? readWindow(null, policy).from.getTime();
  if (opts.ingestStart === null) {
    await client.query("UPDATE participants SET ingest_start = $2 WHERE participant_id = $1 AND ingest_start IS NULL", [opts.participantId, new Date(floor)]);
  }
  for (const metric of opts.metrics) {
    const watermark = await readWatermark(client, opts.participantId, metric);
    const window = readWindow(watermark, policy, floor);
    earliestFrom = Math.min(earliestFrom, window.from.getTime());
    const r = metric === "sleep"
      ? await ingestSleep(client, opts, window, nowMs)
      : await ingestSampleMetric([client], opts, metric, window, nowMs);
    if (r.maxMs !== null) {
      await advanceWatermark(client, opts.participantId, metric, r.maxMs);
      if (metric !== "sleep" && (lastSample === null || r.maxMs > lastSample)) lastSample = r.maxMs;
    }
    metrics[metric] = { ...r.result, watermark: r.maxMs === null ? (watermark === null ? null : new Date(watermark).toISOString()) : new Date(Math.max(r.maxMs, watermark ?? -Infinity)).toISOString() };
    opts.log?.info({ participant: opts.participantId, runId, metric, ...metrics[metric] }, "Ingested metric");
  }
  const today = localDate(nowMs, opts.timeZone);
  const daysRecomputed = await recomputeDays(client, opts, localDate(Math.max(earliestFrom, floor), opts.timeZone), today);
  await refreshHourlyAggregate(client, earliestFrom, nowMs, opts.log);
  const adherence = await adherenceSummary(client, opts.participantId, today);
  const all = Object.values(metrics);
  return {
    runId,
    participantId: opts.participantId,
    timeZone: opts.timeZone,
    rowsWritten: all.reduce((a, m) => a + (m?.written ?? 0), 0),
    rowsRejected: all.reduce((a, m) => a + Object.values(m?.rejected ?? {}).reduce((x, y) => x + (y ?? 0), 0), 0),
    lastSampleTime: lastSample === null ? null : new Date(lastSample).toISOString(),
    metrics,
    daysRecomputed,
    adherence,
  };
}

interface MetricOutcome {
  result: Omit<MetricResult, "watermark">;
  maxMs: number | null;
}

function logRejects(opts: Resolved, metric: Metric, tally: ValidationTally): void {
  const n = rejectedCount(tally);
  if (n > 0) {
    opts.log?.warn({ participant: opts.participantId, metric, rejected: tally.rejected, examples: tally.examples }, "Rejected invalid data points");
  }
}

function sampleOutcome(window: TimeWindow, tally: ValidationTally, written: number, batches: number, maxMs: number | null): MetricOutcome {
  return {
    result: { window: iso(window), accepted: tally.accepted, duplicates: tally.duplicates, written, rejected: tally.rejected, batches },
    maxMs,
  };
}

/** True when nothing is stored for the metric from `fromMs` on: the read can take the streaming COPY path. */
async function nothingStoredFrom(client: pg.ClientBase, participantId: string, metric: SampleMetric, fromMs: number): Promise<boolean> {
  const row = await queryOne(client, "SELECT 1 FROM samples WHERE participant_id = $1 AND metric = $2 AND ts >= $3 LIMIT 1", [participantId, metric, new Date(fromMs)]);
  return !row;
}

async function ingestSampleMetric(writers: pg.PoolClient[], opts: Resolved, metric: SampleMetric, window: TimeWindow, nowMs: number): Promise<MetricOutcome> {
  if (!SAMPLE_METRICS.includes(metric)) throw new Error(`--metrics: "${metric}" is not a metric`);
  const strategy = opts.strategy ?? (opts.db.embedded ? "unnest" : "copy");
  const batchRows = opts.batchRows ?? DEFAULTS.batchRows;
  if (strategy === "copy" && (await nothingStoredFrom(writers[0]!, opts.participantId, metric, window.from.getTime()))) {
    return streamFreshMetric(writers[0]!, opts, metric, window, nowMs);
  }
  const tally = emptyTally();
  let seen = new SampleSet();
  let written = 0;
  let committed = 0;
  let batches = 0;
  let maxMs: number | null = null;
  // Up to one write per writer connection in flight while the next page is
  // fetched and validated: the database and this process work at the same
  // time. Batches are independent upserts, so their commit order would be
  // free; the watermark waits for all of them. One writer: a second one made
  // the benchmark slower (two COPYs into adjacent ranges of the same index
  // contend for the same pages).
  const idle = [...writers];
  const running = new Set<Promise<void>>();
  const write = async (client: pg.PoolClient, rows: ValidSample[]) => {
    try {
      written += await writeSampleBatch(client, { participantId: opts.participantId, metric, rows }, strategy);
      committed += rows.length;
      batches++;
      for (const r of rows) if (maxMs === null || r.ms > maxMs) maxMs = r.ms;
      await opts.onBatch?.({ metric, rows: rows.length, committedRows: committed });
    } finally {
      idle.push(client);
    }
  };
  const flush = async () => {
    if (seen.size === 0) return;
    const rows = seen.values();
    seen = new SampleSet();
    // A failed write rejects the race and ends the metric here.
    while (idle.length === 0) await Promise.race(running);
    const p: Promise<void> = write(idle.pop()!, rows).finally(() => running.delete(p));
    p.catch(() => {}); // observed by the race above or by Promise.all below
    running.add(p);
  };
  try {
    for await (const page of opts.source.samples(metric, window)) {
      validateSamples(metric, page, nowMs, tally, seen);
      if (seen.size >= batchRows) await flush();
    }
    await flush();
    await Promise.all(running);
  } finally {
    await Promise.allSettled(running);
  }
  logRejects(opts, metric, tally);
  return sampleOutcome(window, tally, written, batches, maxMs);
}

/** A range with nothing stored yet (the enrolment backfill): see streamFreshBatches. */
async function streamFreshMetric(client: pg.PoolClient, opts: Resolved, metric: SampleMetric, window: TimeWindow, nowMs: number): Promise<MetricOutcome> {
  const tally = emptyTally();
  const pages = opts.source.samples(metric, window)[Symbol.asyncIterator]();
  let written = 0, committed = 0, batches = 0;
  let maxMs: number | null = null;
  try {
    await streamFreshBatches(client, {
      participantId: opts.participantId, metric, batchRows: opts.batchRows ?? DEFAULTS.batchRows,
      async nextPage(seen) {
        const next = await pages.next();
        if (next.done) return false;
        validateSamples(metric, next.value, nowMs, tally, seen);
        return true;
      },
      async committed(rows, n) {
        written += n;
        committed += rows.length;
        batches++;
        for (const r of rows) if (maxMs === null || r.ms > maxMs) maxMs = r.ms;
        await opts.onBatch?.({ metric, rows: rows.length, committedRows: committed });
      },
    });
  } finally {
    await pages.return?.();
  }
  logRejects(opts, metric, tally);
  return sampleOutcome(window, tally, written, batches, maxMs);
}

async function ingestSleep(client: pg.PoolClient, opts: Resolved, window: TimeWindow, nowMs: number): Promise<MetricOutcome> {
  const tally = emptyTally();
  let written = 0;
  let batches = 0;
  let maxMs: number | null = null;
  for await (const page of opts.source.sleep(window)) {
    const seen = new Map<string, ValidSleepSession>();
    validateSleep(page, nowMs, tally, seen);
    const sessions = [...seen.values()];
    written += await writeSleepBatch(client, opts.participantId, sessions);
    batches++;
    for (const s of sessions) if (maxMs === null || s.endMs > maxMs) maxMs = s.endMs;
    await opts.onBatch?.({ metric: "sleep", rows: sessions.length, committedRows: written });
  }
  logRejects(opts, "sleep", tally);
  return { result: { window: iso(window), accepted: tally.accepted, duplicates: tally.duplicates, written, rejected: tally.rejected, batches }, maxMs };
}

/** Every local day read this run, from the participant's first data on (no rows for days before enrolment). */
async function recomputeDays(client: pg.ClientBase, opts: Resolved, firstDay: string, today: string): Promise<number> {
  const [first] = await queryRows<{ first: Date | null }>(client,
    `SELECT least((SELECT min(ts) FROM samples WHERE participant_id = $1 AND metric = 'heart_rate'),
                  (SELECT min(ts) FROM samples WHERE participant_id = $1 AND metric = 'steps'),
                  (SELECT min(end_time) FROM sleep_sessions WHERE participant_id = $1)) AS first`,
    [opts.participantId]);
  if (!first?.first) return 0;
  const dataStart = localDate(first.first.getTime(), opts.timeZone);
  const from = dataStart > firstDay ? dataStart : firstDay;
  return recomputeAdherence(client, {
    participantId: opts.participantId, timeZone: opts.timeZone, firstDay: from, lastDay: today,
    ...(opts.validDayMinutes === undefined ? {} : { validDayMinutes: opts.validDayMinutes }),
  });
}

/**
 * TimescaleDB's refresh policy runs in a background worker, which the
 * embedded server does not have; refreshing the window just written keeps
 * heart_rate_hourly current everywhere. Cannot run inside a transaction.
 */
async function refreshHourlyAggregate(client: pg.ClientBase, fromMs: number, toMs: number, log?: Logger): Promise<void> {
  const cagg = await queryOne(client, `SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  if (!cagg) return;
  const isCagg = await queryOne(client, `SELECT 1 FROM timescaledb_information.continuous_aggregates WHERE view_name = 'heart_rate_hourly'`);
  if (!isCagg) return;
  const hour = 3_600_000;
  const from = Math.floor(fromMs / hour) * hour;
  const to = Math.max(Math.ceil(toMs / hour) * hour, from + 2 * hour);
  await client.query("CALL refresh_continuous_aggregate('heart_rate_hourly', $1::timestamptz, $2::timestamptz)", [new Date(from).toISOString(), new Date(to).toISOString()]);
  log?.debug({ from: new Date(from).toISOString(), to: new Date(to).toISOString() }, "Refreshed heart_rate_hourly");
}

function iso(w: TimeWindow): { from: string; to: string } {
  return { from: w.from.toISOString(), to: w.to.toISOString() };
}

