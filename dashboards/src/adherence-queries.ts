// SQL behind the study adherence overview. Everything reads the
// adherence_daily rollup (one row per participant-day) so the overview stays
// fast at study scale; thresholds are dashboard variables, so a researcher
// can change the valid-day rule without a pipeline rerun.
// Period semantics: the dashboard runs in UTC and the period is the set of
// calendar days from $__timeFrom()::date to $__timeTo()::date, inclusive;
// adherence days are participant-local dates.
import { sql, thresholdSql, type SqlQuery } from "./common.ts";

/** Shared CTEs: params, the selected participants, per-participant period totals (imputed minutes from the rollup), last sync. */
export const PERIOD_SUMMARY_CTE = sql`
  WITH params AS (
    SELECT ($__timeTo()::date - $__timeFrom()::date + 1) AS n_days,
           ${thresholdSql("validDayMinutes")} AS valid_minutes,
           ${thresholdSql("inactiveStepsPerDay")} AS inactive_steps,
           ${thresholdSql("wearPercent")} AS wear_percent_min,
           ${thresholdSql("daysWithoutSync")} AS sync_days_max,
           ${thresholdSql("targetValidDaysPerWeek")} AS target_per_week
  ),
  selected AS (
    SELECT participant_id, time_zone FROM participants WHERE participant_id IN (\${participant:sqlstring})
  ),
  daily AS (
    SELECT s.participant_id,
           coalesce(sum(a.wear_minutes), 0) AS wear_minutes,
           count(a.day) FILTER (WHERE a.wear_minutes >= p.valid_minutes) AS valid_days,
           count(a.day) FILTER (WHERE a.wear_minutes >= p.valid_minutes AND a.steps < p.inactive_steps) AS inactive_days,
           count(a.day) FILTER (WHERE a.main_sleep_missing) AS nights_no_main_sleep,
           count(a.day) FILTER (WHERE a.sleep_classic) AS nights_classic_sleep,
           coalesce(sum(a.imputed_minutes), 0) AS imputed_minutes
    FROM selected s
    CROSS JOIN params p
    -- Date bounds as literals (not CTE columns) so the planner can use them.
    LEFT JOIN adherence_daily a
      ON a.participant_id = s.participant_id AND a.day BETWEEN $__timeFrom()::date AND $__timeTo()::date
    GROUP BY s.participant_id
  ),
  summary AS (
    SELECT d.*,
           100.0 * d.wear_minutes / (p.n_days * 1440) AS wear_percent,
           p.target_per_week * p.n_days / 7.0 AS target_valid_days,
           ls.last_sync_at,
           p.wear_percent_min, p.sync_days_max
    FROM daily d
    CROSS JOIN params p
    -- The newest day's sync time is the participant's last sync (a sync uploads
    -- every pending day): one backward index probe instead of reading all days.
    -- LATERAL, so it runs once per participant however often it is referenced.
    LEFT JOIN LATERAL (
      SELECT a.last_sync_at FROM adherence_daily a
      WHERE a.participant_id = d.participant_id AND a.last_sync_at IS NOT NULL
      ORDER BY a.day DESC LIMIT 1
    ) ls ON true
  )`;

export const participantTable: SqlQuery = {
  format: "table",
  columns: [
    "participant_id", "wear_percent", "valid_days", "target_valid_days", "days_since_sync", "inactive_days",
    "nights_no_main_sleep", "nights_classic_sleep", "imputed_percent", "flags", "contact",
  ],
  sql: sql`
    ${PERIOD_SUMMARY_CTE}
    SELECT participant_id,
           round(wear_percent, 1) AS wear_percent,
           valid_days,
           round(target_valid_days, 1) AS target_valid_days,
           round((extract(epoch FROM now() - last_sync_at) / 86400)::numeric, 1) AS days_since_sync,
           inactive_days,
           nights_no_main_sleep,
           nights_classic_sleep,
           round(100.0 * imputed_minutes / nullif(wear_minutes + imputed_minutes, 0), 1) AS imputed_percent,
           array_to_string(ARRAY[
             CASE WHEN last_sync_at IS NULL OR now() - last_sync_at > sync_days_max * interval '1 day' THEN 'sync overdue' END,
             CASE WHEN wear_percent < wear_percent_min THEN 'low wear' END,
             CASE WHEN valid_days < target_valid_days THEN 'below valid-day target' END,
             CASE WHEN inactive_days > 0 THEN 'inactive days' END,
             CASE WHEN nights_no_main_sleep + nights_classic_sleep > 0 THEN 'sleep data' END
           ], ', ') AS flags,
           'contact' AS contact
    FROM summary
    ORDER BY last_sync_at ASC NULLS FIRST, participant_id`,
};

function stat(column: string, select: string): SqlQuery {
  return { format: "table", columns: [column], sql: `${PERIOD_SUMMARY_CTE}\nSELECT ${select} AS ${column}\nFROM summary` };
}

export const participantsStat = stat("participants", "count(*)");
export const medianWearStat = stat("median_wear_percent", "round((percentile_cont(0.5) WITHIN GROUP (ORDER BY wear_percent))::numeric, 1)");
export const meetingTargetStat = stat("meeting_target_percent", "round(100.0 * avg((valid_days >= target_valid_days)::int), 1)");
export const syncOverdueStat = stat(
  "sync_overdue",
  "count(*) FILTER (WHERE last_sync_at IS NULL OR now() - last_sync_at > sync_days_max * interval '1 day')",
);
export const sleepIssuesStat = stat("nights_sleep_issues", "coalesce(sum(nights_no_main_sleep + nights_classic_sleep), 0)");
export const imputedShareStat = stat(
  "imputed_percent",
  "round(100.0 * sum(imputed_minutes) / nullif(sum(wear_minutes) + sum(imputed_minutes), 0), 1)",
);

/** Participants x days: wear % per day, long format (Grafana pivots on `metric`). */
export const completenessHeatmap: SqlQuery = {
  format: "time_series",
  columns: ["time", "metric", "wear_percent"],
  sql: sql`
    SELECT (a.day::timestamp AT TIME ZONE 'UTC') AS "time",
           a.participant_id AS metric,
           round(100.0 * a.wear_minutes / 1440, 1) AS wear_percent
    FROM adherence_daily a
    WHERE a.day BETWEEN $__timeFrom()::date AND $__timeTo()::date
      AND a.participant_id IN (\${participant:sqlstring})
    ORDER BY 1, 2`,
};

export const ADHERENCE_QUERIES = {
  participantTable, participantsStat, medianWearStat, meetingTargetStat, syncOverdueStat, sleepIssuesStat,
  imputedShareStat, completenessHeatmap,
} as const;
