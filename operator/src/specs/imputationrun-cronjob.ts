// The CronJob of a scheduled ImputationRun (spec.schedule set).
import type { V1CronJob } from "@kubernetes/client-node";
import { API_VERSION, IMPUTATION_RUN } from "../api/v1alpha1/group.ts";
import type { ImputationRun } from "../api/v1alpha1/imputationrun-types.ts";
import type { Participant } from "../api/v1alpha1/participant-types.ts";
import { buildImputationRunJobSpec, imputationRunLabels } from "./imputationrun-job.ts";
import type { JobOptions } from "./job-pod.ts";
import { MAX_CRONJOB_NAME, boundedName } from "./names.ts";
import { buildOwnerReference } from "./owner.ts";
import { withSpecHash } from "./spec-hash.ts";

export function imputationRunCronJobName(ir: ImputationRun): string {
  return boundedName(ir.metadata.name, "-ir", MAX_CRONJOB_NAME);
}

/** null when the run is one-shot (buildImputationRunJob covers that). */
export function buildImputationRunCronJob(ir: ImputationRun, pt: Participant, opts: JobOptions): V1CronJob | null {
  if (ir.spec.schedule === undefined) return null;
  const labels = imputationRunLabels(ir);
  return withSpecHash<V1CronJob>({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name: imputationRunCronJobName(ir),
      namespace: ir.metadata.namespace,
      labels,
      ownerReferences: [buildOwnerReference(ir, API_VERSION, IMPUTATION_RUN.kind)],
    },
    spec: {
      schedule: ir.spec.schedule,
      timeZone: ir.spec.timeZone ?? pt.spec.timeZone,
      suspend: ir.spec.suspend || pt.spec.suspend,
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: opts.job.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: opts.job.failedJobsHistoryLimit,
      jobTemplate: { metadata: { labels }, spec: buildImputationRunJobSpec(ir, pt, opts) },
    },
  });
}
