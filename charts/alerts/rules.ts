// The alert rules, defined once. `render-template.ts` turns them into the
// chart's templates/prometheusrule.yaml (thresholds become Helm values), and
// the alert tests read the rules back out of `helm template`, so the tests
// exercise exactly what the chart ships.
//
// Each rule is a function of `AlertParams`: every threshold is a string
// spliced into PromQL, so the same definition yields Helm placeholders
// (`{{ .Values.monitoring.alerts.x }}`) for the chart.

export type Severity = "critical" | "warning" | "info";

/** Which chart feature a rule needs; the template wraps the rule in the matching `if`. */
export type RuleCondition = "always" | "internalDatabase" | "databaseExporter" | "outreach";

export interface AlertParams {
  ingestStaleHours: string;
  ingestConsecutiveFailures: string;
  reconcileErrorRatio: string;
  workqueueDepth: string;
  dbDiskUsedRatio: string;
  ingestBudgetSeconds: string;
  imputeBudgetSeconds: string;
  outreachErrorRatio: string;
  outreachP95Seconds: string;
  cronJobStaleHours: string;
  cronJobNameRegex: string;
  wearPercent: string;
  /** Prometheus `job` label of the operator's scrape target (its Service name). */
  operatorJob: string;
  /** `job` label of the postgres_exporter target. */
  databaseJob: string;
  /** Namespace the chart (and its database PVC) is installed in. */
  namespace: string;
  /** Regex matching the database PVC names. */
  databasePvcRegex: string;
}

export interface AlertRule {
  alert: string;
  expr: string;
  /** Default `for`; monitoring.alerts.forOverrides.<alert> replaces it. */
  for: string;
  severity: Severity;
  /** One line; may use Prometheus template syntax ({{ $labels.x }}). */
  summary: string;
  /** Names the participant or object, says what is wrong and what to look at first. */
  description: string;
  condition: RuleCondition;
}

export interface AlertGroup {
  name: string;
  /** The whole group is rendered only under this condition. */
  condition: RuleCondition;
  rules: AlertRule[];
}

/**
 * Domain gauges come from every operator replica; only the leader's are
 * current. `and on (instance)` keeps the series of the leader's scrape target
 * alone (before aggregation, while `instance` is still there).
 */
function fromLeader(metric: string, p: AlertParams): string {
  return `${metric} and on (instance) (leader_election_master_status{job="${p.operatorJob}"} == 1)`;
}

function pipelineRules(p: AlertParams): AlertRule[] {
  return [
    {
      alert: "WearableIngestStale",
      expr: `max by (namespace, participant) (${fromLeader("wearable_participant_seconds_since_last_successful_ingest", p)})\n  > ${p.ingestStaleHours} * 3600`,
      for: "15m",
      severity: "warning",
      summary: "No successful ingest for participant {{ $labels.namespace }}/{{ $labels.participant }}",
      description:
        "Participant {{ $labels.participant }} in namespace {{ $labels.namespace }} has had no successful ingest for {{ $value | humanizeDuration }} " +
        `(threshold ${p.ingestStaleHours} h). Check the Participant's IngestHealthy condition and its latest ingest Job's logs.`,
      condition: "always",
    },
    {
      alert: "WearableIngestFailingRepeatedly",
      expr: `max by (namespace, participant) (${fromLeader("wearable_participant_consecutive_ingest_failures", p)})\n  >= ${p.ingestConsecutiveFailures}`,
      for: "5m",
      severity: "warning",
      summary: "Ingest keeps failing for participant {{ $labels.namespace }}/{{ $labels.participant }}",
      description:
        "The last {{ $value }} ingest runs of participant {{ $labels.participant }} in namespace {{ $labels.namespace }} failed. " +
        "Read the failed Job's termination message and logs (expired Google token, API quota, database).",
      condition: "always",
    },
    {
      alert: "WearableJobFailureRateHigh",
      expr:
        `sum by (namespace, kind) (increase(wearable_job_runs_total{result="failed"}[1h]))\n` +
        `  / sum by (namespace, kind) (increase(wearable_job_runs_total[1h])) > 0.5`,
      for: "15m",
      severity: "critical",
      summary: "Most {{ $labels.kind }} jobs in namespace {{ $labels.namespace }} are failing",
      description:
        "{{ $value | humanizePercentage }} of {{ $labels.kind }} job runs in namespace {{ $labels.namespace }} failed over the last hour: " +
        "a study-wide cause (database, image, credentials) rather than one participant.",
      condition: "always",
    },
    {
      alert: "WearableImputationRunFailed",
      expr: `max by (namespace, imputationrun) (${fromLeader("wearable_imputationrun_failed", p)}) > 0`,
      for: "0m",
      severity: "warning",
      summary: "ImputationRun {{ $labels.namespace }}/{{ $labels.imputationrun }} failed",
      description:
        "ImputationRun {{ $labels.imputationrun }} in namespace {{ $labels.namespace }} failed. " +
        "kubectl describe ir {{ $labels.imputationrun }} -n {{ $labels.namespace }} shows the reason; its Job's logs show the error.",
      condition: "always",
    },
    {
      alert: "WearableParticipantImputationFailed",
      expr: `max by (namespace, participant) (${fromLeader("wearable_participant_imputation_failed", p)}) > 0`,
      for: "0m",
      severity: "warning",
      summary: "Scheduled imputation failed for participant {{ $labels.namespace }}/{{ $labels.participant }}",
      description:
        "The newest run of the imputation CronJob of participant {{ $labels.participant }} in namespace {{ $labels.namespace }} failed; " +
        "its gaps stay unfilled until a run succeeds. kubectl get pt {{ $labels.participant }} -n {{ $labels.namespace }} -o jsonpath='{.status.lastImputation}' shows why.",
      condition: "always",
    },
    {
      alert: "WearableIngestRunsSlow",
      expr:
        `histogram_quantile(0.95, sum by (namespace, le) (rate(wearable_job_duration_seconds_bucket{kind="ingest"}[6h])))\n` +
        `  > ${p.ingestBudgetSeconds}`,
      for: "30m",
      severity: "warning",
      summary: "Ingest runs in namespace {{ $labels.namespace }} exceed their time budget",
      description:
        "The 95th percentile ingest run in namespace {{ $labels.namespace }} took {{ $value | humanizeDuration }} over the last 6 h " +
        `(budget ${p.ingestBudgetSeconds} s). Look for API throttling, large backfills or slow database writes.`,
      condition: "always",
    },
    {
      alert: "WearableImputeRunsSlow",
      expr:
        `histogram_quantile(0.95, sum by (namespace, le) (rate(wearable_job_duration_seconds_bucket{kind="impute"}[6h])))\n` +
        `  > ${p.imputeBudgetSeconds}`,
      for: "30m",
      severity: "warning",
      summary: "Imputation runs in namespace {{ $labels.namespace }} exceed their time budget",
      description:
        "The 95th percentile imputation run in namespace {{ $labels.namespace }} took {{ $value | humanizeDuration }} over the last 6 h " +
        `(budget ${p.imputeBudgetSeconds} s). Check the lookback windows and the database.`,
      condition: "always",
    },
    {
      alert: "WearableCronJobStale",
      // kube-prometheus-stack ships KubeJobFailed but nothing for a CronJob that
      // stops producing successful runs (suspended, never scheduled, always failing).
      expr:
        `(\n` +
        `  time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{cronjob=~"${p.cronJobNameRegex}"}) > ${p.cronJobStaleHours} * 3600\n` +
        `  or\n` +
        `  (time() - max by (namespace, cronjob) (kube_cronjob_created{cronjob=~"${p.cronJobNameRegex}"}) > ${p.cronJobStaleHours} * 3600)\n` +
        `    unless on (namespace, cronjob) kube_cronjob_status_last_successful_time\n` +
        `)\n` +
        `and on (namespace, cronjob) (max by (namespace, cronjob) (kube_cronjob_spec_suspend) == 0)`,
      for: "15m",
      severity: "warning",
      summary: "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not succeeded recently",
      description:
        "CronJob {{ $labels.cronjob }} in namespace {{ $labels.namespace }} has had no successful run for {{ $value | humanizeDuration }} " +
        `(threshold ${p.cronJobStaleHours} h) although it is not suspended. Check its schedule, its last Jobs and the operator.`,
      condition: "always",
    },
    {
      alert: "WearableStudyAdherenceLow",
      expr: `avg by (namespace) (${fromLeader("wearable_participant_wear_ratio_7d", p)})\n  < ${p.wearPercent} / 100`,
      for: "6h",
      severity: "info",
      summary: "Study-level 7-day wear time in namespace {{ $labels.namespace }} dropped below target",
      description:
        "Participants in namespace {{ $labels.namespace }} wore their devices {{ $value | humanizePercentage }} of the last 7 days on average " +
        `(target ${p.wearPercent}%). Open the Adherence overview dashboard and consider outreach.`,
      condition: "always",
    },
  ];
}

function operatorRules(p: AlertParams): AlertRule[] {
  return [
    {
      alert: "WearableOperatorAbsent",
      expr: `absent(up{job="${p.operatorJob}"} == 1)`,
      for: "5m",
      severity: "critical",
      summary: "The wearable operator is down",
      description:
        `No replica of the wearable operator (scrape job ${p.operatorJob}) has been up for 5 minutes: ` +
        "Participants are not reconciled and no status is updated. Check the operator Deployment's pods and events.",
      condition: "always",
    },
    {
      alert: "WearableOperatorNoLeader",
      expr: `sum(leader_election_master_status{job="${p.operatorJob}"}) < 1`,
      for: "5m",
      severity: "critical",
      summary: "No wearable operator replica holds the leader lease",
      description:
        `Operator replicas (scrape job ${p.operatorJob}) are running but none has been leader for 5 minutes, so nothing reconciles. ` +
        "Check the Lease object and the operator's RBAC on coordination.k8s.io leases.",
      condition: "always",
    },
    {
      alert: "WearableReconcileErrorsHigh",
      expr:
        `sum by (controller) (rate(controller_runtime_reconcile_errors_total{job="${p.operatorJob}"}[10m]))\n` +
        `  / sum by (controller) (rate(controller_runtime_reconcile_total{job="${p.operatorJob}"}[10m]))\n` +
        `  > ${p.reconcileErrorRatio}`,
      for: "15m",
      severity: "warning",
      summary: "The {{ $labels.controller }} controller's reconciles are failing",
      description:
        "{{ $value | humanizePercentage }} of the {{ $labels.controller }} controller's reconciles failed over 10 minutes " +
        `(threshold ${p.reconcileErrorRatio}). The operator's logs name the objects and errors.`,
      condition: "always",
    },
    {
      alert: "WearableWorkqueueBackingUp",
      expr: `max by (name) (workqueue_depth{job="${p.operatorJob}"}) > ${p.workqueueDepth}`,
      for: "15m",
      severity: "warning",
      summary: "The operator's {{ $labels.name }} work queue is backing up",
      description:
        "The {{ $labels.name }} work queue has held more than " + p.workqueueDepth + " items for 15 minutes ({{ $value }} now): " +
        "reconciles are slower than changes arrive. Check reconcile latency, API-server throttling and the concurrency flag.",
      condition: "always",
    },
  ];
}

function databaseRules(p: AlertParams): AlertRule[] {
  return [
    {
      alert: "WearableDatabaseDown",
      expr: `max(pg_up{job="${p.databaseJob}"}) < 1 or absent(pg_up{job="${p.databaseJob}"})`,
      for: "5m",
      severity: "critical",
      summary: "TimescaleDB is down",
      description:
        `postgres_exporter (scrape job ${p.databaseJob}) cannot reach the TimescaleDB database, or is not scraped at all: ` +
        "ingest, imputation, dashboards and outreach all fail. Check the StatefulSet pod, its PVC and its logs.",
      condition: "databaseExporter",
    },
    {
      alert: "WearableDatabaseDiskFull",
      expr:
        `max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{namespace="${p.namespace}", persistentvolumeclaim=~"${p.databasePvcRegex}"}\n` +
        `  / kubelet_volume_stats_capacity_bytes{namespace="${p.namespace}", persistentvolumeclaim=~"${p.databasePvcRegex}"})\n` +
        `  > ${p.dbDiskUsedRatio}`,
      for: "15m",
      severity: "warning",
      summary: "Database volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is nearly full",
      description:
        "PVC {{ $labels.persistentvolumeclaim }} in namespace {{ $labels.namespace }} is {{ $value | humanizePercentage }} full " +
        `(threshold ${p.dbDiskUsedRatio}). Expand the PVC or review retention/compression policies before PostgreSQL stops accepting writes.`,
      condition: "internalDatabase",
    },
  ];
}

function outreachRules(p: AlertParams): AlertRule[] {
  return [
    {
      alert: "WearableOutreachErrorRateHigh",
      expr:
        `sum by (namespace) (rate(outreach_http_requests_total{code=~"5.."}[10m]))\n` +
        `  / sum by (namespace) (rate(outreach_http_requests_total[10m])) > ${p.outreachErrorRatio}`,
      for: "10m",
      severity: "warning",
      summary: "The outreach service in {{ $labels.namespace }} is returning errors",
      description:
        "{{ $value | humanizePercentage }} of outreach requests in namespace {{ $labels.namespace }} failed with 5xx over 10 minutes " +
        `(threshold ${p.outreachErrorRatio}). Researchers cannot contact participants; check the outreach logs and the database.`,
      condition: "outreach",
    },
    {
      alert: "WearableOutreachLatencyHigh",
      expr:
        `histogram_quantile(0.95, sum by (namespace, le) (rate(outreach_http_request_duration_seconds_bucket[10m])))\n` +
        `  > ${p.outreachP95Seconds}`,
      for: "10m",
      severity: "warning",
      summary: "The outreach service in {{ $labels.namespace }} is slow",
      description:
        "The 95th percentile outreach request in namespace {{ $labels.namespace }} took {{ $value | humanizeDuration }} over 10 minutes " +
        `(threshold ${p.outreachP95Seconds} s). Check database latency and the service's CPU.`,
      condition: "outreach",
    },
    {
      alert: "WearableOutreachMessagesFailing",
      expr: `sum by (namespace) (increase(outreach_messages_total{status="failed"}[1h])) > 0`,
      for: "15m",
      severity: "warning",
      summary: "Outreach messages are failing to send in {{ $labels.namespace }}",
      description:
        "{{ $value | humanize }} outreach messages in namespace {{ $labels.namespace }} failed to send in the last hour. " +
        "Check the SMTP Secret and the contact_requests table's last_error.",
      condition: "outreach",
    },
  ];
}

export function buildAlertGroups(p: AlertParams): AlertGroup[] {
  return [
    { name: "wearable-pipeline.ingest", condition: "always", rules: pipelineRules(p) },
    { name: "wearable-pipeline.operator", condition: "always", rules: operatorRules(p) },
    { name: "wearable-pipeline.database", condition: "internalDatabase", rules: databaseRules(p) },
    { name: "wearable-pipeline.outreach", condition: "outreach", rules: outreachRules(p) },
  ];
}

/** Anchor of an alert's section in docs/runbooks.md (GitHub lowercases headings). */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}
