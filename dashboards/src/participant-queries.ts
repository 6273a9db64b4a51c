// SQL behind the participant detail dashboard. `$participant` is a single
// value, always read as ${participant:sqlstring} (quoted by Grafana).
import { sql, thresholdSql, type SqlQuery } from "./common.ts";

const P = "${participant:sqlstring}";

/**
 * Raw heart rate: minute samples for short ranges; the heart_rate_hourly
 * rollup once Grafana's interval reaches an hour (weeks of data), weighted by
 * sample count so hourly means combine into exact bucket means.
 */
export const heartRateRaw: SqlQuery = {
  format: "time_series",
  columns: ["time", "heart_rate"],
  sql: sql`
    SELECT $__timeGroupAlias(ts, $__interval), avg(value) AS heart_rate
    FROM samples
    WHERE participant_id = ${P} AND metric = 'heart_rate' AND $__timeFilter(ts)
      AND $__interval_ms < 3600000
    GROUP BY 1
    UNION ALL
    SELECT $__timeGroupAlias(bucket, $__interval), sum(avg_bpm * sample_count) / sum(sample_count) AS heart_rate
    FROM heart_rate_hourly
    WHERE participant_id = ${P} AND $__timeFilter(bucket)
      AND $__interval_ms >= 3600000
    GROUP BY 1
    ORDER BY 1`,
};

export const heartRateImputed: SqlQuery = {
  format: "time_series",
  columns: ["time", "imputed", "imputed_lower", "imputed_upper"],
  sql: sql`
    SELECT $__timeGroupAlias(ts, $__interval),
           avg(value) AS imputed,
           min(lower) AS imputed_lower,
           max(upper) AS imputed_upper
    FROM imputed_samples
    WHERE participant_id = ${P} AND metric = 'heart_rate' AND $__timeFilter(ts)
    GROUP BY 1
    ORDER BY 1`,
};

export const steps: SqlQuery = {
  format: "time_series",
  columns: ["time", "steps"],
  sql: sql`
    SELECT $__timeGroupAlias(ts, $__interval), sum(value) AS steps
    FROM samples
    WHERE participant_id = ${P} AND metric = 'steps' AND $__timeFilter(ts)
    GROUP BY 1
    ORDER BY 1`,
};

function nightlyMetric(metric: "spo2" | "hrv"): SqlQuery {
  return {
    format: "time_series",
    columns: ["time", metric],
    sql: sql`
      SELECT $__timeGroupAlias(ts, $__interval), avg(value) AS ${metric}
      FROM samples
      WHERE participant_id = ${P} AND metric = '${metric}' AND $__timeFilter(ts)
      GROUP BY 1
      ORDER BY 1`,
  };
}

export const spo2 = nightlyMetric("spo2");
export const hrv = nightlyMetric("hrv");

/** Stage changes plus a NULL at each session end, so the state timeline shows no state between sessions. */
export const sleepStages: SqlQuery = {
  format: "table",
  columns: ["time", "stage"],
  sql: sql`
    SELECT start_time AS "time", stage
    FROM sleep_stages
    WHERE participant_id = ${P} AND end_time >= $__timeFrom() AND start_time <= $__timeTo()
    UNION ALL
    SELECT end_time, NULL
    FROM sleep_sessions
    WHERE participant_id = ${P} AND end_time >= $__timeFrom() AND start_time <= $__timeTo()
    ORDER BY 1`,
};

export const sleepSessions: SqlQuery = {
  format: "table",
  columns: ["time", "end_time", "sleep_type", "is_main", "minutes_asleep", "manually_edited"],
  sql: sql`
    SELECT start_time AS "time", end_time, sleep_type, is_main, minutes_asleep, manually_edited
    FROM sleep_sessions
    WHERE participant_id = ${P} AND end_time >= $__timeFrom() AND start_time <= $__timeTo()
    ORDER BY start_time DESC`,
};

/** Participant-local days that overlap the range, placed at local midnight. */
export const dailyWear: SqlQuery = {
  format: "time_series",
  columns: ["time", "wear_minutes", "valid_day"],
  sql: sql`
    SELECT (a.day::timestamp AT TIME ZONE p.time_zone) AS "time",
           a.wear_minutes,
           (a.wear_minutes >= ${thresholdSql("validDayMinutes")})::int AS valid_day
    FROM adherence_daily a
    JOIN participants p ON p.participant_id = a.participant_id
    WHERE a.participant_id = ${P}
      AND a.day BETWEEN ($__timeFrom()::timestamptz AT TIME ZONE p.time_zone)::date
                    AND ($__timeTo()::timestamptz AT TIME ZONE p.time_zone)::date
    ORDER BY 1`,
};

export const pipelineRuns: SqlQuery = {
  format: "table",
  columns: ["time", "kind", "metric", "status", "duration_seconds", "rows_written", "rows_rejected", "error"],
  sql: sql`
    SELECT started_at AS "time", kind, metric, status,
           round(extract(epoch FROM finished_at - started_at)::numeric, 1) AS duration_seconds,
           rows_written, rows_rejected, error
    FROM pipeline_runs
    WHERE participant_id = ${P} AND $__timeFilter(started_at)
    ORDER BY started_at DESC
    LIMIT 500`,
};

export const PARTICIPANT_QUERIES = {
  heartRateRaw, heartRateImputed, steps, spo2, hrv, sleepStages, sleepSessions, dailyWear, pipelineRuns,
} as const;
