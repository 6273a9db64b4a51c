// The write path: one batch = one transaction, and every row an upsert, so a
// crash between batches loses nothing committed and a re-run rewrites rows
// instead of duplicating them.
//
// Two strategies with the same effect. "copy" (real servers): a read of a
// range with nothing stored yet streams straight into `samples` with COPY
// (streamFreshBatches), as does a later batch whose own time range is empty;
// otherwise a batch is COPYed into a session temp table (no WAL, no index)
// and merged with one INSERT … SELECT … ON CONFLICT.
// "unnest" (the embedded server, which does not speak COPY FROM STDIN): one
// multi-row INSERT … SELECT FROM unnest($arrays) … ON CONFLICT.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { SampleMetric } from "../sources/types.ts";
import { transaction } from "../db/query.ts";
import { SampleSet, type ValidSample, type ValidSleepSession } from "./validate.ts";

/** "copy-upsert" skips the fresh-range COPY fast path (benchmark and tests of the upsert path). */
export type WriteStrategy = "copy" | "copy-upsert" | "unnest";

// Rewrites a row only when its value changed: re-reading the trailing window
// then costs no dead tuples and keeps ingested_at meaning "first seen or changed".
const UPSERT_TAIL = `ON CONFLICT (participant_id, metric, ts, source) DO UPDATE
  SET value = EXCLUDED.value, ingested_at = EXCLUDED.ingested_at
  WHERE samples.value IS DISTINCT FROM EXCLUDED.value`;

const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS ingest_staging (ts timestamptz, value double precision, source text) ON COMMIT DELETE ROWS`;

/** COPY text format: backslash, tab and newlines must be escaped in the source label. */
export function copyEscape(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : text;
}

function* copyLines(rows: readonly ValidSample[], chunkRows = 2_000): Generator<string> {
  for (let i = 0; i < rows.length; i += chunkRows) {
    let chunk = "";
    const end = Math.min(rows.length, i + chunkRows);
    for (let j = i; j < end; j++) {
      const r = rows[j]!;
      chunk += `${r.time}\t${r.value}\t${copyEscape(r.source)}\n`;
    }
    yield chunk;
  }
}

export interface SampleBatch {
  participantId: string;
  metric: SampleMetric;
  rows: readonly ValidSample[];
}

/** COPY text for `samples` (participant_id, metric, ts, value, source) of rows[from, to). */
function samplesCopyText(prefix: string, rows: readonly ValidSample[], from: number, to: number): string {
  // A batch nearly always has one device: escape its label once.
  let lastSource = "", lastEscaped = "", chunk = "";
  for (let j = from; j < to; j++) {
    const r = rows[j]!;
    if (r.source !== lastSource) {
      lastSource = r.source;
      lastEscaped = copyEscape(r.source);
    }
    chunk += `${prefix}${r.time}\t${r.value}\t${lastEscaped}\n`;
  }
  return chunk;
}

const samplesCopyPrefix = (participantId: string, metric: SampleMetric) => `${copyEscape(participantId)}\t${metric}\t`;

function* copyTargetLines(batch: SampleBatch, chunkRows = 2_000): Generator<string> {
  const prefix = samplesCopyPrefix(batch.participantId, batch.metric);
  for (let i = 0; i < batch.rows.length; i += chunkRows) yield samplesCopyText(prefix, batch.rows, i, Math.min(batch.rows.length, i + chunkRows));
}

/**
 * New data (the common case: minutes after the watermark) goes straight into
 * `samples` with COPY when no stored row shares the batch's time range; a
 * unique violation (a row that appeared meanwhile) rolls back to the savepoint
 * and the batch takes the upsert path. Returns whether the fast path held.
 */
async function tryCopyFresh(client: pg.ClientBase, batch: SampleBatch): Promise<boolean> {
  let lo = Infinity, hi = -Infinity;
  for (const r of batch.rows) {
    if (r.ms < lo) lo = r.ms;
    if (r.ms > hi) hi = r.ms;
  }
  // +1 ms: stored microseconds beyond the last millisecond still count as overlap.
  const overlap = await client.query(
    "SELECT 1 FROM samples WHERE participant_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4 LIMIT 1",
    [batch.participantId, batch.metric, new Date(lo), new Date(hi + 1)],
  );
  if ((overlap.rowCount ?? 0) > 0) return false;
  await client.query("SAVEPOINT fresh_copy");
  try {
    await pipeline(Readable.from(copyTargetLines(batch)), client.query(copyFrom("COPY samples (participant_id, metric, ts, value, source) FROM STDIN")));
    await client.query("RELEASE SAVEPOINT fresh_copy");
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== "23505") throw err;
    await client.query("ROLLBACK TO SAVEPOINT fresh_copy");
    return false;
  }
}

export interface FreshStream {
  participantId: string;
  metric: SampleMetric;
  batchRows: number;
  /** Validates the next page into the batch's set; false when the source is done. */
  nextPage(seen: SampleSet): Promise<boolean>;
  /** After each committed batch, with its rows. */
  committed(rows: readonly ValidSample[], written: number): Promise<void>;
}

/**
 * The first read of a range nothing is stored in yet (an enrolment backfill):
 * pages are read and validated only as fast as COPY takes their rows, like a
 * plain COPY from a file. With read-ahead instead, a source that is pure CPU
 * (synthetic, a parsed export) kept this process busy while the database
 * waited for the socket, and the first backfill ran at 0.64x raw COPY.
 * One transaction per `batchRows`; a duplicate key (a repeated point, or a
 * row that appeared meanwhile) rolls the batch back to its savepoint and the
 * batch is upserted from its de-duplicated set instead.
 */
export async function streamFreshBatches(client: pg.ClientBase, s: FreshStream): Promise<void> {
  const prefix = samplesCopyPrefix(s.participantId, s.metric);
  for (let more = true; more;) {
    const delivered: ValidSample[] = [];
    const seen = new SampleSet(delivered);
    async function* lines(): AsyncGenerator<string> {
      while (delivered.length < s.batchRows) {
        const from = delivered.length;
        if (!(await s.nextPage(seen))) {
          more = false;
          return;
        }
        const chunk = samplesCopyText(prefix, delivered, from, delivered.length);
        if (chunk) yield chunk;
      }
    }
    const written = await transaction(client, async () => {
      await client.query("SAVEPOINT fresh_copy");
      try {
        await pipeline(Readable.from(lines()), client.query(copyFrom("COPY samples (participant_id, metric, ts, value, source) FROM STDIN")));
        await client.query("RELEASE SAVEPOINT fresh_copy");
        return delivered.length;
      } catch (err) {
        if ((err as { code?: string }).code !== "23505") throw err;
        await client.query("ROLLBACK TO SAVEPOINT fresh_copy");
        // The rest of this batch's pages were never read: read them now, then upsert the batch.
        while (more && delivered.length < s.batchRows) more = await s.nextPage(seen);
        return upsertViaStaging(client, { participantId: s.participantId, metric: s.metric, rows: seen.values() });
      }
    });
    if (seen.size > 0) await s.committed(seen.values(), written);
  }
}

async function upsertViaStaging(client: pg.ClientBase, batch: SampleBatch): Promise<number> {
  await client.query(STAGING_DDL);
  await pipeline(Readable.from(copyLines(batch.rows)), client.query(copyFrom("COPY ingest_staging (ts, value, source) FROM STDIN")));
  const res = await client.query(
    `INSERT INTO samples (participant_id, metric, ts, value, source, ingested_at)
     SELECT $1, $2, ts, value, source, now() FROM ingest_staging ${UPSERT_TAIL}`,
    [batch.participantId, batch.metric],
  );
  return res.rowCount ?? 0;
}

/** Writes one batch in one transaction; resolves to the number of rows inserted or changed. */
export async function writeSampleBatch(client: pg.ClientBase, batch: SampleBatch, strategy: WriteStrategy): Promise<number> {
  if (batch.rows.length === 0) return 0;
  return transaction(client, async () => {
    if (strategy === "copy" && (await tryCopyFresh(client, batch))) return batch.rows.length;
    if (strategy === "copy" || strategy === "copy-upsert") return upsertViaStaging(client, batch);
    const res = await client.query(
      `INSERT INTO samples (participant_id, metric, ts, value, source, ingested_at)
       SELECT $1, $2, u.ts, u.value, u.source, now()
         FROM unnest($3::timestamptz[], $4::float8[], $5::text[]) AS u(ts, value, source) ${UPSERT_TAIL}`,
      [batch.participantId, batch.metric, batch.rows.map((r) => r.time), batch.rows.map((r) => r.value), batch.rows.map((r) => r.source)],
    );
    return res.rowCount ?? 0;
  });
}

/**
 * Upserts sleep sessions and replaces their stages, all in one transaction:
 * a re-delivered session (e.g. re-staged after a late sync) never keeps stale stages.
 */
export async function writeSleepBatch(client: pg.ClientBase, participantId: string, sessions: readonly ValidSleepSession[]): Promise<number> {
  if (sessions.length === 0) return 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  return transaction(client, async () => {
    const res = await client.query(
      `INSERT INTO sleep_sessions (participant_id, session_id, start_time, end_time, sleep_type, is_main, minutes_asleep, source, manually_edited, ingested_at)
       SELECT $1, u.* , now() FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::bool[], $7::int[], $8::text[], $9::bool[])
         AS u(session_id, start_time, end_time, sleep_type, is_main, minutes_asleep, source, manually_edited)
       ON CONFLICT (participant_id, session_id) DO UPDATE SET
         start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, sleep_type = EXCLUDED.sleep_type,
         is_main = EXCLUDED.is_main, minutes_asleep = EXCLUDED.minutes_asleep, source = EXCLUDED.source,
         manually_edited = EXCLUDED.manually_edited, ingested_at = EXCLUDED.ingested_at
       WHERE (sleep_sessions.start_time, sleep_sessions.end_time, sleep_sessions.sleep_type, sleep_sessions.is_main,
              sleep_sessions.minutes_asleep, sleep_sessions.source, sleep_sessions.manually_edited)
             IS DISTINCT FROM (EXCLUDED.start_time, EXCLUDED.end_time, EXCLUDED.sleep_type, EXCLUDED.is_main,
              EXCLUDED.minutes_asleep, EXCLUDED.source, EXCLUDED.manually_edited)`,
      [
        participantId,
        sessions.map((s) => s.sessionId), sessions.map((s) => iso(s.startMs)), sessions.map((s) => iso(s.endMs)),
        sessions.map((s) => s.type), sessions.map((s) => s.isMain), sessions.map((s) => s.minutesAsleep),
        sessions.map((s) => s.source), sessions.map((s) => s.manuallyEdited),
      ],
    );
    await client.query("DELETE FROM sleep_stages WHERE participant_id = $1 AND session_id = ANY($2::text[])", [participantId, sessions.map((s) => s.sessionId)]);
    const stages = sessions.flatMap((s) => s.stages.map((st) => ({ id: s.sessionId, ...st })));
    if (stages.length > 0) {
      await client.query(
        `INSERT INTO sleep_stages (participant_id, session_id, start_time, end_time, stage)
         SELECT $1, u.* FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[]) AS u(session_id, start_time, end_time, stage)`,
        [participantId, stages.map((s) => s.id), stages.map((s) => iso(s.startMs)), stages.map((s) => iso(s.endMs)), stages.map((s) => s.stage)],
      );
    }
    return res.rowCount ?? 0;
  });
}
