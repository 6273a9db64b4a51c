// SQL and PromQL behind the pipeline health dashboard. PromQL names only the
// operator's metrics (brief: "Operator metrics") and kube-prometheus-stack's
// cAdvisor/kube-state-metrics series; see promql-metrics.ts for the allowlist.
import { sql, type SqlQuery } from "./common.ts";

export const runsOverTime: SqlQuery = {
  format: "time_series",
  columns: ["time", "metric", "runs"],
  sql: sql`
    SELECT $__timeGroupAlias(started_at, $__interval), kind || ' ' || status AS metric, count(*) AS runs
    FROM pipeline_runs
    WHERE $__timeFilter(started_at)
    GROUP BY 1, 2
    ORDER BY 1`,
};

export const failedRuns: SqlQuery = {
  format: "table",
  columns: ["time", "kind", "participant_id", "metric", "rows_rejected", "error"],
  sql: sql`
    SELECT started_at AS "time", kind, participant_id, metric, rows_rejected, error
    FROM pipeline_runs
    WHERE status = 'failed' AND $__timeFilter(started_at)
    ORDER BY started_at DESC
    LIMIT 200`,
};

/** Freshness per participant: newest ingested sample, and the last ingest run's outcome. */
export const ingestLag: SqlQuery = {
  format: "table",
  columns: ["participant_id", "lag_hours", "last_ingest_status", "last_ingest_at"],
  sql: sql`
    SELECT p.participant_id,
           round((extract(epoch FROM now() - w.newest) / 3600)::numeric, 1) AS lag_hours,
           r.status AS last_ingest_status,
           r.started_at AS last_ingest_at
    FROM participants p
    LEFT JOIN (SELECT participant_id, max(watermark) AS newest FROM ingest_watermarks GROUP BY participant_id) w
      ON w.participant_id = p.participant_id
    LEFT JOIN LATERAL (
      SELECT status, started_at FROM pipeline_runs
      WHERE participant_id = p.participant_id AND kind = 'ingest'
      ORDER BY started_at DESC LIMIT 1
    ) r ON true
    ORDER BY lag_hours DESC NULLS FIRST, p.participant_id`,
};

export const jobDurations: SqlQuery = {
  format: "time_series",
  columns: ["time", "metric", "p95_seconds"],
  sql: sql`
    SELECT $__timeGroupAlias(started_at, $__interval), kind AS metric,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)) AS p95_seconds
    FROM pipeline_runs
    WHERE $__timeFilter(started_at) AND finished_at IS NOT NULL
    GROUP BY 1, 2
    ORDER BY 1`,
};

export const databaseSize: SqlQuery = {
  format: "table",
  columns: ["bytes"],
  sql: "SELECT pg_database_size(current_database()) AS bytes",
};

export const PIPELINE_SQL_QUERIES = { runsOverTime, failedRuns, ingestLag, jobDurations, databaseSize } as const;

const NS = `namespace=~"$namespace"`;

/** PromQL, keyed by panel; `$__rate_interval` and `$namespace` are Grafana variables. */
export const PROMQL = {
  jobRuns: `sum by (kind, result) (increase(wearable_job_runs_total{${NS}}[$__rate_interval]))`,
  ingestFailuresStreak: `max by (participant) (wearable_participant_consecutive_ingest_failures{${NS}})`,
  secondsSinceIngest: `max by (participant) (wearable_participant_seconds_since_last_successful_ingest{${NS}})`,
  wearRatio: `min by (participant) (wearable_participant_wear_ratio_7d{${NS}})`,
  participantsByCondition: `sum by (condition, status) (wearable_participants)`,
  failedImputationRuns: `sum(wearable_imputationrun_failed{${NS}})`,
  reconcileRate: `sum by (controller, result) (rate(controller_runtime_reconcile_total[$__rate_interval]))`,
  reconcileErrors: `sum by (controller) (rate(controller_runtime_reconcile_errors_total[$__rate_interval]))`,
  reconcileP95: `histogram_quantile(0.95, sum by (controller, le) (rate(controller_runtime_reconcile_time_seconds_bucket[$__rate_interval])))`,
  queueDepth: `sum by (name) (workqueue_depth)`,
  queueRetries: `sum by (name) (rate(workqueue_retries_total[$__rate_interval]))`,
  queueLatencyP95: `histogram_quantile(0.95, sum by (name, le) (rate(workqueue_queue_duration_seconds_bucket[$__rate_interval])))`,
  leader: `max by (name) (leader_election_master_status)`,
  jobDurationP50: `histogram_quantile(0.5, sum by (kind, le) (rate(wearable_job_duration_seconds_bucket{${NS}}[$__rate_interval])))`,
  jobDurationP95: `histogram_quantile(0.95, sum by (kind, le) (rate(wearable_job_duration_seconds_bucket{${NS}}[$__rate_interval])))`,
  containerCpu: `sum by (pod) (rate(container_cpu_usage_seconds_total{${NS}, container!="", container!="POD"}[$__rate_interval]))`,
  containerMemory: `sum by (pod) (container_memory_working_set_bytes{${NS}, container!="", container!="POD"})`,
  databaseSize: `max by (datname) (pg_database_size_bytes{datname=~"$database"})`,
  outreachSent: `sum by (status) (increase(outreach_messages_total[$__rate_interval]))`,
  outreachErrors: `sum by (code) (rate(outreach_http_requests_total{code=~"5.."}[$__rate_interval]))`,
} as const;

/** Prometheus variable queries (label_values) and the metric each reads. */
export const PROM_VARIABLES = {
  namespace: { query: "label_values(wearable_job_runs_total, namespace)", metric: "wearable_job_runs_total" },
  database: { query: "label_values(pg_database_size_bytes, datname)", metric: "pg_database_size_bytes" },
} as const;
