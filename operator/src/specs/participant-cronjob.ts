// The CronJob shell both Participant CronJobs (ingest and impute) share: owner
// reference, labels, schedule, suspension and the run policy. The callers
// differ only in name, schedule and pod template.
import type { V1CronJob, V1PodTemplateSpec } from "@kubernetes/client-node";
import { API_VERSION, PARTICIPANT } from "../api/v1alpha1/group.ts";
import type { Participant } from "../api/v1alpha1/participant-types.ts";
import { buildJobSpec, type JobOptions } from "./job-pod.ts";
import { buildOwnerReference } from "./owner.ts";
import { withSpecHash } from "./spec-hash.ts";

export interface ParticipantCronJobParts {
  name: string;
  schedule: string;
  labels: Record<string, string>;
  template: V1PodTemplateSpec;
}

export function buildParticipantCronJob(pt: Participant, parts: ParticipantCronJobParts, opts: JobOptions): V1CronJob {
  return withSpecHash<V1CronJob>({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name: parts.name,
      namespace: pt.metadata.namespace,
      labels: parts.labels,
      ownerReferences: [buildOwnerReference(pt, API_VERSION, PARTICIPANT.kind)],
    },
    spec: {
      schedule: parts.schedule,
      timeZone: pt.spec.timeZone,
      suspend: pt.spec.suspend,
      // Two runs for one participant would race on its watermark / imputed range.
      concurrencyPolicy: "Forbid",
      // A run missed by more than an hour (operator or cluster down) is skipped; the next one catches up from the watermark.
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: opts.job.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: opts.job.failedJobsHistoryLimit,
      jobTemplate: { metadata: { labels: parts.labels }, spec: buildJobSpec(parts.template, opts) },
    },
  });
}
