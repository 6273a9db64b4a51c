// Study-scale data generated INSIDE the database with generate_series, so a
// 1,000 x 90-day cohort loads in minutes without shipping rows over the wire.
// Deterministic: every value derives from hashtext(participant, day).
//
// Shape per participant-day (UTC participants):
// - 4% of days never worn; otherwise one worn block starting 05:00-08:00 and
//   lasting 6-21 h (so ~30% of days fall short of 600 minutes);
// - heart_rate: one sample per worn minute, minus sensor dropouts (every
//   minute with m % 97 = 13), which get an imputed_samples row instead;
// - steps: stored only for minutes with steps (every 7th worn minute). The
//   contract stores zero-step minutes too; they change no sum, and leaving
//   them out keeps the load to ~85 M rows on a 2-core machine (documented);
// - one main sleep per night (10% CLASSIC, 8% missing) with 30-minute stages;
// - an ingest and an impute run per day (2% failed);
// - every 20th participant stopped syncing 5 days ago (no rows since).
// adherence_daily is then computed FROM samples, as the rollup job would.
import type pg from "pg";

export interface SeedOptions {
  participants: number;
  days: number;
  /** Last day with data (UTC date, YYYY-MM-DD); usually yesterday. */
  lastDay: string;
}

export const participantId = (i: number): string => `b${String(i).padStart(4, "0")}`;

/** Plan table: one row per participant-day with the worn block. */
function planSql(o: SeedOptions): string {
  return `
    CREATE UNLOGGED TABLE IF NOT EXISTS bench_plan AS
    WITH pd AS (
      SELECT i, 'b' || lpad(i::text, 4, '0') AS participant_id, d::date AS day
      FROM generate_series(1, ${o.participants}) i,
           generate_series('${o.lastDay}'::date - ${o.days - 1}, '${o.lastDay}'::date, interval '1 day') d
      WHERE NOT (i % 20 = 7 AND d::date > '${o.lastDay}'::date - 5)
    ), h AS (SELECT pd.*, abs(hashtext(participant_id || ':' || day)::bigint) AS h FROM pd)
    SELECT i, participant_id, day, h,
           (h % 25 = 0) AS nonwear,
           300 + (h / 25) % 180 AS start_min,
           CASE WHEN h % 25 = 0 THEN 0 ELSE least(360 + (h / 4500) % 900, 1440 - (300 + (h / 25) % 180)) END AS worn
    FROM h`;
}

/** Statements that fill one participant range [lo, hi]; ranges can load in parallel. */
export function rangeSql(lo: number, hi: number): string[] {
  const inRange = `p.i BETWEEN ${lo} AND ${hi}`;
  const minutes = `FROM bench_plan p, generate_series(0, p.worn - 1) m WHERE ${inRange} AND p.worn > 0`;
  const tsExpr = `(p.day::timestamp AT TIME ZONE 'UTC') + (p.start_min + m) * interval '1 minute'`;
  const synced = `(p.day::timestamp AT TIME ZONE 'UTC') + interval '26 hours'`;
  return [
    `INSERT INTO samples (participant_id, metric, ts, value, source, ingested_at)
     SELECT p.participant_id, 'heart_rate', ${tsExpr}, 55 + (m % 89) / 3.0 + p.h % 10, 'bench', ${synced}
     ${minutes} AND m % 97 <> 13`,
    `INSERT INTO samples (participant_id, metric, ts, value, source, ingested_at)
     SELECT p.participant_id, 'steps', ${tsExpr}, 1 + (m * 31 + p.h % 1000) % 120, 'bench', ${synced}
     ${minutes} AND m % 7 = 0`,
    `INSERT INTO imputed_samples (participant_id, metric, ts, value, lower, upper, method, run_id)
     SELECT p.participant_id, 'heart_rate', ${tsExpr}, 70, 62, 78, 'bench', NULL
     ${minutes} AND m % 97 = 13`,
    `INSERT INTO sleep_sessions (participant_id, session_id, start_time, end_time, sleep_type, is_main, minutes_asleep, source)
     SELECT p.participant_id, 'n-' || p.day, (p.day::timestamp AT TIME ZONE 'UTC') - interval '2 hours',
            (p.day::timestamp AT TIME ZONE 'UTC') + interval '6 hours',
            CASE WHEN p.h % 10 = 3 THEN 'CLASSIC' ELSE 'STAGES' END, true, 420, 'bench'
     FROM bench_plan p WHERE ${inRange} AND NOT p.nonwear AND p.h % 12 <> 1`,
    `INSERT INTO sleep_stages (participant_id, session_id, start_time, end_time, stage)
     SELECT s.participant_id, s.session_id, s.start_time + k * interval '30 minutes', s.start_time + (k + 1) * interval '30 minutes',
            CASE WHEN s.sleep_type = 'CLASSIC' THEN (ARRAY['ASLEEP','RESTLESS','AWAKE'])[1 + k % 3]
                 ELSE (ARRAY['LIGHT','DEEP','LIGHT','REM','AWAKE'])[1 + k % 5] END
     FROM sleep_sessions s JOIN bench_plan p ON p.participant_id = s.participant_id AND s.session_id = 'n-' || p.day,
          generate_series(0, 15) k
     WHERE ${inRange}`,
    `INSERT INTO pipeline_runs (kind, participant_id, metric, started_at, finished_at, status, rows_written, error)
     SELECT kind, p.participant_id, 'heart_rate', ${synced} + interval '1 hour',
            ${synced} + interval '1 hour' + (20 + p.h % 40) * interval '1 second',
            CASE WHEN (p.h + length(kind)) % 50 = 0 THEN 'failed' ELSE 'succeeded' END, p.worn,
            CASE WHEN (p.h + length(kind)) % 50 = 0 THEN 'bench failure' END
     FROM bench_plan p, unnest(ARRAY['ingest','impute']) kind WHERE ${inRange}`,
  ];
}

/** The rollup, computed from raw samples and sleep sessions (what the data plane maintains). */
export const ROLLUP_SQL = `
  INSERT INTO adherence_daily (participant_id, day, wear_minutes, valid_day, steps, sleep_minutes, main_sleep_missing, sleep_classic, last_sync_at, imputed_minutes)
  SELECT p.participant_id, p.day,
         coalesce(hr.minutes, 0), coalesce(hr.minutes, 0) >= 600, coalesce(st.steps, 0),
         coalesce(sl.minutes, 0), sl.participant_id IS NULL, coalesce(sl.classic, false), hr.synced,
         coalesce(im.minutes, 0)
  FROM bench_plan p
  LEFT JOIN (
    SELECT participant_id, (ts AT TIME ZONE 'UTC')::date AS day, count(DISTINCT date_trunc('minute', ts)) AS minutes, max(ingested_at) AS synced
    FROM samples WHERE metric = 'heart_rate' GROUP BY 1, 2
  ) hr ON hr.participant_id = p.participant_id AND hr.day = p.day
  LEFT JOIN (
    SELECT participant_id, (ts AT TIME ZONE 'UTC')::date AS day, sum(value)::bigint AS steps
    FROM samples WHERE metric = 'steps' GROUP BY 1, 2
  ) st ON st.participant_id = p.participant_id AND st.day = p.day
  LEFT JOIN (
    SELECT participant_id, (end_time AT TIME ZONE 'UTC')::date AS day, sum(minutes_asleep) AS minutes,
           bool_or(sleep_type = 'CLASSIC') AS classic
    FROM sleep_sessions WHERE is_main GROUP BY 1, 2
  ) sl ON sl.participant_id = p.participant_id AND sl.day = p.day
  LEFT JOIN (
    SELECT participant_id, (ts AT TIME ZONE 'UTC')::date AS day, count(*)::int AS minutes
    FROM imputed_samples WHERE metric = 'heart_rate' GROUP BY 1, 2
  ) im ON im.participant_id = p.participant_id AND im.day = p.day`;

export const WATERMARK_SQL = `
  INSERT INTO ingest_watermarks (participant_id, metric, watermark)
  SELECT participant_id, metric, max(ts) FROM samples GROUP BY 1, 2`;

export async function seed(pools: pg.Pool[], o: SeedOptions, onStep: (msg: string) => void = () => {}): Promise<void> {
  const [first] = pools;
  if (!first) throw new Error("seed needs at least one pool");
  await first.query(`INSERT INTO participants (participant_id, time_zone)
    SELECT 'b' || lpad(i::text, 4, '0'), 'UTC' FROM generate_series(1, ${o.participants}) i`);
  await first.query(planSql(o));
  // One participant range per connection: the server loads them in parallel.
  const n = pools.length;
  const size = Math.ceil(o.participants / n);
  await Promise.all(pools.map(async (pool, k) => {
    const lo = k * size + 1;
    const hi = Math.min(o.participants, (k + 1) * size);
    for (const stmt of rangeSql(lo, hi)) {
      const t0 = performance.now();
      await pool.query(stmt);
      onStep(`range ${lo}-${hi}: ${stmt.trim().split("\n")[0]?.slice(0, 60)}... ${Math.round(performance.now() - t0)} ms`);
    }
  }));
  await first.query(ROLLUP_SQL);
  await first.query(WATERMARK_SQL);
  await first.query("DROP TABLE bench_plan");
  onStep("rollup and watermarks done");
}
