// The imputation CronJob of a Participant, when spec.imputation is set: one
// Job that imputes each configured metric in turn (init containers run in
// order), so a participant's imputations never compete for the database.
import type { V1CronJob } from "@kubernetes/client-node";
import { API_VERSION, PARTICIPANT } from "../api/v1alpha1/group.ts";
import type { Participant } from "../api/v1alpha1/participant-types.ts";
import { buildJobPodTemplate, buildJobSpec, type JobOptions } from "./job-pod.ts";
import { buildLabels } from "./labels.ts";
import { MAX_CRONJOB_NAME, boundedName } from "./names.ts";
import { buildOwnerReference } from "./owner.ts";
import { buildImputeArgs } from "./participant-args.ts";
import { defaultImputeSchedule } from "./schedule.ts";
import { withSpecHash } from "./spec-hash.ts";

export function participantImputeCronJobName(pt: Participant): string {
  return boundedName(pt.metadata.name, "-impute", MAX_CRONJOB_NAME);
}

/** null when the Participant has no imputation configured: the controller then deletes any old one. */
export function buildParticipantImputeCronJob(pt: Participant, opts: JobOptions): V1CronJob | null {
  const imp = pt.spec.imputation;
  if (!imp) return null;
  const labels = buildLabels({ component: "impute", instance: pt.metadata.name, participant: pt.metadata.name });
  const steps = imp.metrics.map((m) => ({
    name: `impute-${m.metric.replaceAll("_", "-")}`,
    args: buildImputeArgs({ participantId: pt.spec.participantId, metric: m.metric, method: m.method, maxGap: imp.maxGap, lookback: imp.lookback }),
  }));
  const template = buildJobPodTemplate({ labels, steps, needsApiToken: false }, opts);
  return withSpecHash<V1CronJob>({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name: participantImputeCronJobName(pt),
      namespace: pt.metadata.namespace,
      labels,
      ownerReferences: [buildOwnerReference(pt, API_VERSION, PARTICIPANT.kind)],
    },
    spec: {
      schedule: imp.schedule ?? defaultImputeSchedule(pt.metadata.namespace ?? "", pt.metadata.name),
      timeZone: pt.spec.timeZone,
      suspend: pt.spec.suspend,
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: opts.job.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: opts.job.failedJobsHistoryLimit,
      jobTemplate: { metadata: { labels }, spec: buildJobSpec(template, opts) },
    },
  });
}
