// Which metric names a PromQL expression reads, and which names dashboards may
// use: the operator's and outreach service's metrics (the brief's contract)
// and the kube-prometheus-stack series we rely on. Parsing validity is
// checked by promtool (see promql.test.ts); this only extracts names.

const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"];

const OPERATOR_METRICS = [
  "controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total",
  "workqueue_depth", "workqueue_adds_total", "workqueue_retries_total",
  "workqueue_unfinished_work_seconds", "workqueue_longest_running_processor_seconds", "leader_election_master_status",
  "wearable_participants", "wearable_participant_last_successful_ingest_timestamp_seconds",
  "wearable_participant_seconds_since_last_successful_ingest", "wearable_participant_consecutive_ingest_failures",
  "wearable_participant_wear_ratio_7d", "wearable_job_runs_total", "wearable_imputationrun_failed",
  "outreach_http_requests_total", "outreach_messages_total",
];
const OPERATOR_HISTOGRAMS = [
  "controller_runtime_reconcile_time_seconds", "workqueue_queue_duration_seconds", "workqueue_work_duration_seconds",
  "wearable_job_duration_seconds", "outreach_http_request_duration_seconds",
];
/** kube-prometheus-stack: cAdvisor (kubelet), kube-state-metrics; plus the chart's postgres exporter. */
const PLATFORM_METRICS = [
  "container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
  "kube_pod_container_resource_requests", "kube_pod_container_resource_limits",
  "kube_pod_container_status_restarts_total", "kube_pod_info", "up",
  "pg_database_size_bytes",
];

export const ALLOWED_METRICS: ReadonlySet<string> = new Set([
  ...OPERATOR_METRICS,
  ...PLATFORM_METRICS,
  ...OPERATOR_HISTOGRAMS.flatMap((m) => HISTOGRAM_SUFFIXES.map((s) => m + s)),
]);

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan", "atan2"]);

/**
 * Metric names referenced by a PromQL expression: bare selectors (`foo`,
 * `foo{...}`) and `{__name__="foo"}`. Strings, label matchers, ranges and
 * grouping label lists are removed first so label names are never mistaken
 * for metrics; identifiers followed by `(` are functions or aggregations.
 */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/__name__\s*=\s*"([^"]+)"/g)) if (m[1]) names.add(m[1]);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  for (const m of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    const id = m[1] ?? "";
    if (KEYWORDS.has(id.toLowerCase()) || /^\d/.test(id)) continue;
    names.add(id);
  }
  return [...names];
}

/** Replace Grafana's template variables in a PromQL expression with values that parse. */
export function expandPromVariables(expr: string, values: Record<string, string> = {}): string {
  const defaults: Record<string, string> = { __rate_interval: "5m", __interval: "1m", __range: "1h", ...values };
  return expr.replace(/\$\{?(\w+)\}?/g, (match, name: string) => {
    const v = defaults[name];
    if (v === undefined) throw new Error(`unknown variable ${match} in PromQL; add it to the dashboard or to the test values`);
    return v;
  });
}
