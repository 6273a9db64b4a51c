// Every operator metric, with the names the alerts and dashboards use (team
// brief). controller_runtime_* and workqueue_* follow controller-runtime so
// existing Go-operator dashboards work unchanged.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    reconcileTotal: new Counter({ name: "controller_runtime_reconcile_total", help: "Reconciliations per controller and result", labelNames: ["controller", "result"], registers: r }),
    reconcileErrors: new Counter({ name: "controller_runtime_reconcile_errors_total", help: "Reconciliations that returned an error", labelNames: ["controller"], registers: r }),
    reconcileTime: new Histogram({
      name: "controller_runtime_reconcile_time_seconds", help: "Time per reconciliation", labelNames: ["controller"], registers: r,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    }),
    queueDepth: new Gauge({ name: "workqueue_depth", help: "Current depth of the work queue", labelNames: ["name"], registers: r }),
    queueAdds: new Counter({ name: "workqueue_adds_total", help: "Adds handled by the work queue", labelNames: ["name"], registers: r }),
    queueRetries: new Counter({ name: "workqueue_retries_total", help: "Rate-limited re-adds (retries)", labelNames: ["name"], registers: r }),
    queueDuration: new Histogram({
      name: "workqueue_queue_duration_seconds", help: "Time an item waits in the queue before processing", labelNames: ["name"], registers: r,
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    }),
    workDuration: new Histogram({
      name: "workqueue_work_duration_seconds", help: "Time processing an item takes", labelNames: ["name"], registers: r,
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60],
    }),
    unfinishedWork: new Gauge({ name: "workqueue_unfinished_work_seconds", help: "Seconds of work in progress not yet observed by work_duration", labelNames: ["name"], registers: r }),
    longestRunning: new Gauge({ name: "workqueue_longest_running_processor_seconds", help: "Seconds the longest running item has been processed", labelNames: ["name"], registers: r }),
    leaderStatus: new Gauge({ name: "leader_election_master_status", help: "1 when this replica holds the leader lease", labelNames: ["name"], registers: r }),
    participants: new Gauge({ name: "wearable_participants", help: "Participants by condition type and status", labelNames: ["condition", "status"], registers: r }),
    lastSuccessfulIngest: new Gauge({ name: "wearable_participant_last_successful_ingest_timestamp_seconds", help: "Unix time of the newest successful ingest", labelNames: ["namespace", "participant"], registers: r }),
    secondsSinceIngest: new Gauge({ name: "wearable_participant_seconds_since_last_successful_ingest", help: "Seconds since the newest successful ingest (since creation if none)", labelNames: ["namespace", "participant"], registers: r }),
    consecutiveFailures: new Gauge({ name: "wearable_participant_consecutive_ingest_failures", help: "Failed ingest runs since the last success", labelNames: ["namespace", "participant"], registers: r }),
    wearRatio: new Gauge({ name: "wearable_participant_wear_ratio_7d", help: "Wear ratio (0..1) over the last 7 days as reported by the latest ingest", labelNames: ["namespace", "participant"], registers: r }),
    jobRuns: new Counter({ name: "wearable_job_runs_total", help: "Finished jobs observed by the operator", labelNames: ["kind", "namespace", "result"], registers: r }),
    jobDuration: new Histogram({
      name: "wearable_job_duration_seconds", help: "Run time of finished jobs", labelNames: ["kind", "namespace"], registers: r,
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    }),
    imputationRunFailed: new Gauge({ name: "wearable_imputationrun_failed", help: "1 when the ImputationRun's phase is Failed", labelNames: ["namespace", "imputationrun"], registers: r }),
    participantImputationFailed: new Gauge({ name: "wearable_participant_imputation_failed", help: "1 when the newest run of the participant's imputation CronJob failed", labelNames: ["namespace", "participant"], registers: r }),
    apiRequests: new Counter({ name: "wearable_operator_api_requests_total", help: "Kubernetes API requests by verb, resource and response code", labelNames: ["verb", "resource", "code"], registers: r }),
    informerRestarts: new Counter({ name: "wearable_operator_informer_restarts_total", help: "Informer restarts after watch or list errors", labelNames: ["resource"], registers: r }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
