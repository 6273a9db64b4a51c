// Participant reconcile. Outer: fetch from the cache, validate, handle
// deletion. Inner, in order: finalizer, owned CronJobs, status.
import type { V1CronJob, V1Job } from "@kubernetes/client-node";
import { API_VERSION, PARTICIPANT } from "../api/v1alpha1/group.ts";
import { participantSchema, type Participant } from "../api/v1alpha1/participant-types.ts";
import { RESOURCES } from "../runtime/kube-client.ts";
import { splitKey } from "../runtime/informer.ts";
import { buildParticipantImputeCronJob, participantImputeCronJobName } from "../specs/participant-impute-cronjob.ts";
import { buildParticipantIngestCronJob, effectiveIngestSchedule, participantIngestCronJobName } from "../specs/participant-ingest-cronjob.ts";
import { applyOwned, deleteOwned } from "./apply-owned.ts";
import type { ControllerContext, CustomObj, KubeObj } from "./context.ts";
import { TerminalError } from "./errors.ts";
import { eventTarget } from "./event-target.ts";
import { jobOutcome, type JobOutcome } from "./job-outcome.ts";
import { reconcileParticipantDeletion, syncFinalizer } from "./participant-delete.ts";
import { computeParticipantStatus, ingestTransition } from "./participant-status.ts";
import { patchStatus } from "./status-patch.ts";

/** Parses a cached object; a failure here means the CRD and zod disagree (a bug), not a user error. */
export function parseParticipant(raw: CustomObj): Participant {
  const r = participantSchema.safeParse(raw);
  if (!r.success) throw new TerminalError(`Participant ${raw.metadata.namespace}/${raw.metadata.name} does not match the operator's schema: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return r.data;
}

/** Outcomes of the Jobs of one of this participant's CronJobs (ingest or imputation). */
export function cronJobOutcomes(ctx: ControllerContext, namespace: string, cronJobName: string): JobOutcome[] {
  return ctx.jobsByOwner.owned(namespace, "CronJob", cronJobName).map((job: KubeObj<V1Job>) =>
    jobOutcome(job, ctx.podsByOwner.owned(namespace, "Job", job.metadata.name)));
}

async function reconcileOwned(ctx: ControllerContext, raw: CustomObj, pt: Participant): Promise<string | undefined> {
  const ingest = await applyOwned<KubeObj<V1CronJob>>(ctx, RESOURCES.cronJob, ctx.cronJobs, raw, buildParticipantIngestCronJob(pt, ctx.jobOptions) as KubeObj<V1CronJob>);
  const impute = buildParticipantImputeCronJob(pt, ctx.jobOptions);
  let imputeError: string | undefined;
  if (impute) imputeError = (await applyOwned<KubeObj<V1CronJob>>(ctx, RESOURCES.cronJob, ctx.cronJobs, raw, impute as KubeObj<V1CronJob>)).invalid;
  else await deleteOwned(ctx, RESOURCES.cronJob, ctx.cronJobs, raw, pt.metadata.namespace ?? "", participantImputeCronJobName(pt));
  return ingest.invalid ?? imputeError;
}

export async function reconcileParticipant(ctx: ControllerContext, key: string): Promise<void> {
  const { namespace, name } = splitKey(key);
  const raw = ctx.participants.get(namespace, name);
  if (!raw) return; // deleted; owned objects go by garbage collection
  const pt = parseParticipant(raw);
  if (raw.metadata.deletionTimestamp) return reconcileParticipantDeletion(ctx, raw, pt);

  await syncFinalizer(ctx, raw, pt);
  // A name clash with an object we do not control is shown in status, not retried in a loop.
  const applyError = await reconcileOwned(ctx, raw, pt).catch((err: unknown) => {
    if (err instanceof TerminalError) return err.message;
    throw err;
  });

  const live = ctx.participants.get(namespace, name) ?? raw;
  const cronJobName = participantIngestCronJobName(pt);
  const status = computeParticipantStatus({ ...pt, status: parseParticipant(live).status }, {
    cronJobName,
    schedule: effectiveIngestSchedule(pt),
    ...(applyError ? { applyError } : {}),
    jobs: cronJobOutcomes(ctx, namespace, cronJobName),
    imputeJobs: cronJobOutcomes(ctx, namespace, participantImputeCronJobName(pt)),
    now: ctx.now(),
  });
  const patched = await patchStatus(ctx.client, RESOURCES.participant, live, status);
  if (!patched) return;
  ctx.participants.wrote(namespace, name, live, patched);
  const transition = ingestTransition(parseParticipant(live).status, status);
  if (transition) ctx.events.record(eventTarget(patched, PARTICIPANT.kind, API_VERSION), transition.type, transition.reason, transition.message);
}
