// The baseline: the same panel query with the adherence_daily rollup replaced
// by the equivalent aggregation over raw samples (a CTE named adherence_daily
// shadows the table), restricted to the period so it is as fair as raw data
// allows. Days without any heart rate do not exist in raw data, so the
// sleep-missing counts can differ from the rollup's; wear, valid days,
// inactivity, imputed share and sync agree and are compared by the bench.
const RAW_ADHERENCE = `adherence_daily AS (
  SELECT hr.participant_id, hr.day, hr.wear_minutes, hr.wear_minutes >= 600 AS valid_day,
         coalesce(st.steps, 0) AS steps, coalesce(sl.minutes, 0) AS sleep_minutes,
         sl.participant_id IS NULL AS main_sleep_missing, coalesce(sl.classic, false) AS sleep_classic,
         hr.last_sync_at, coalesce(im.minutes, 0) AS imputed_minutes
  FROM (
    SELECT s.participant_id, (s.ts AT TIME ZONE pt.time_zone)::date AS day,
           count(DISTINCT date_trunc('minute', s.ts))::int AS wear_minutes, max(s.ingested_at) AS last_sync_at
    FROM samples s JOIN participants pt ON pt.participant_id = s.participant_id
    WHERE s.metric = 'heart_rate' AND s.ts >= $__timeFrom()::date - 1 AND s.ts < $__timeTo()::date + 2
    GROUP BY 1, 2
  ) hr
  LEFT JOIN (
    SELECT s.participant_id, (s.ts AT TIME ZONE pt.time_zone)::date AS day, sum(s.value)::bigint AS steps
    FROM samples s JOIN participants pt ON pt.participant_id = s.participant_id
    WHERE s.metric = 'steps' AND s.ts >= $__timeFrom()::date - 1 AND s.ts < $__timeTo()::date + 2
    GROUP BY 1, 2
  ) st ON st.participant_id = hr.participant_id AND st.day = hr.day
  LEFT JOIN (
    SELECT ss.participant_id, (ss.end_time AT TIME ZONE pt.time_zone)::date AS day,
           sum(ss.minutes_asleep) AS minutes, bool_or(ss.sleep_type = 'CLASSIC') AS classic
    FROM sleep_sessions ss JOIN participants pt ON pt.participant_id = ss.participant_id
    WHERE ss.is_main AND ss.end_time >= $__timeFrom()::date - 1 AND ss.end_time < $__timeTo()::date + 2
    GROUP BY 1, 2
  ) sl ON sl.participant_id = hr.participant_id AND sl.day = hr.day
  LEFT JOIN (
    SELECT i.participant_id, (i.ts AT TIME ZONE pt.time_zone)::date AS day, count(*)::int AS minutes
    FROM imputed_samples i JOIN participants pt ON pt.participant_id = i.participant_id
    WHERE i.metric = 'heart_rate' AND i.ts >= $__timeFrom()::date - 1 AND i.ts < $__timeTo()::date + 2
    GROUP BY 1, 2
  ) im ON im.participant_id = hr.participant_id AND im.day = hr.day
)`;

/** The panel SQL (unexpanded, with Grafana macros) rewritten to read raw samples instead of the rollup. */
export function rawSamplesVariant(panelSql: string): string {
  if (!panelSql.includes("adherence_daily")) throw new Error("baseline: query does not read adherence_daily");
  const trimmed = panelSql.trimStart();
  return /^WITH\s/i.test(trimmed)
    ? `WITH ${RAW_ADHERENCE},\n${trimmed.replace(/^WITH\s+/i, "")}`
    : `WITH ${RAW_ADHERENCE}\n${trimmed}`;
}

/** Columns both variants compute identically (see the header). */
export const COMPARABLE_COLUMNS = ["participant_id", "wear_percent", "valid_days", "inactive_days", "imputed_percent", "days_since_sync"];
