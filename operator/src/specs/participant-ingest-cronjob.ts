// The ingest CronJob of a Participant: `wearable ingest` on the participant's
// schedule (or the hashed default), one run at a time.
import type { V1CronJob } from "@kubernetes/client-node";
import type { Participant } from "../api/v1alpha1/participant-types.ts";
import { buildJobPodTemplate, type JobOptions } from "./job-pod.ts";
import { buildLabels } from "./labels.ts";
import { MAX_CRONJOB_NAME, boundedName } from "./names.ts";
import { buildIngestArgs } from "./participant-args.ts";
import { defaultIngestSchedule } from "./schedule.ts";
import { buildParticipantCronJob } from "./participant-cronjob.ts";

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
  return buildParticipantCronJob(pt, { name: participantIngestCronJobName(pt), schedule: effectiveIngestSchedule(pt), labels, template }, opts);
}
