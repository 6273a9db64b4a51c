// The imputation CronJob of a Participant, when spec.imputation is set: one
// Job that imputes each configured metric in turn (init containers run in
// order), so a participant's imputations never compete for the database.
import type { V1CronJob } from "@kubernetes/client-node";
import type { Participant } from "../api/v1alpha1/participant-types.ts";
import { buildJobPodTemplate, type JobOptions } from "./job-pod.ts";
import { buildLabels } from "./labels.ts";
import { MAX_CRONJOB_NAME, boundedName } from "./names.ts";
import { buildImputeArgs } from "./participant-args.ts";
import { defaultImputeSchedule } from "./schedule.ts";
import { buildParticipantCronJob } from "./participant-cronjob.ts";

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
  return buildParticipantCronJob(pt, {
    name: participantImputeCronJobName(pt),
    schedule: imp.schedule ?? defaultImputeSchedule(pt.metadata.namespace ?? "", pt.metadata.name),
    labels,
    template,
  }, opts);
}
