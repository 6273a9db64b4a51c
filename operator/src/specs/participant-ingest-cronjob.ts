// The ingest CronJob of a Participant: `wearable ingest` on the participant's
// schedule (or the hashed default), one run at a time.
import type { V1CronJob } from "@kubernetes/client-node";
import { API_VERSION, PARTICIPANT } from "../api/v1alpha1/group.ts";
import type { Participant } from "../api/v1alpha1/participant-types.ts";
import { buildJobPodTemplate, buildJobSpec, type JobOptions } from "./job-pod.ts";
import { buildLabels } from "./labels.ts";
import { MAX_CRONJOB_NAME, boundedName } from "./names.ts";
import { buildOwnerReference } from "./owner.ts";
import { buildIngestArgs } from "./participant-args.ts";
import { defaultIngestSchedule } from "./schedule.ts";
import { withSpecHash } from "./spec-hash.ts";

export function participantIngestCronJobName(pt: Participant): string {
  return boundedName(pt.metadata.name, "-ingest", MAX_CRONJOB_NAME);
}

export function effectiveIngestSchedule(pt: Participant): string {
  return pt.spec.schedule ?? defaultIngestSchedule(pt.metadata.namespace ?? "", pt.metadata.name);
}

export function buildParticipantIngestCronJob(pt: Participant, opts: JobOptions): V1CronJob {
  const labels = buildLabels({ component: "ingest", instance: pt.metadata.name, participant: pt.metadata.name });
  const template = buildJobPodTemplate({
    labels,
    steps: [{ name: "ingest", args: buildIngestArgs(pt) }],
    needsApiToken: pt.spec.source.googleHealth !== undefined,
  }, opts);
  return withSpecHash<V1CronJob>({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name: participantIngestCronJobName(pt),
      namespace: pt.metadata.namespace,
      labels,
      ownerReferences: [buildOwnerReference(pt, API_VERSION, PARTICIPANT.kind)],
    },
    spec: {
      schedule: effectiveIngestSchedule(pt),
      timeZone: pt.spec.timeZone,
      suspend: pt.spec.suspend,
      // Two ingests of one participant would race on its watermark.
      concurrencyPolicy: "Forbid",
      // A run missed by more than an hour (operator or cluster down) is skipped; the next one catches up from the watermark.
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: opts.job.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: opts.job.failedJobsHistoryLimit,
      jobTemplate: { metadata: { labels }, spec: buildJobSpec(template, opts) },
    },
  });
}
