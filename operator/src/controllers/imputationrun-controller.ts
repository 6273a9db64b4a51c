// ImputationRun reconcile: resolve the Participant, keep exactly one Job
// (one-shot) or CronJob (scheduled), and report phase and counts.
import type { V1CronJob, V1Job } from "@kubernetes/client-node";
import { imputationRunSchema, type ImputationRun } from "../api/v1alpha1/imputationrun-types.ts";
import { RESOURCES } from "../runtime/kube-client.ts";
import { splitKey } from "../runtime/informer.ts";
import { buildImputationRunCronJob, imputationRunCronJobName } from "../specs/imputationrun-cronjob.ts";
import { buildImputationRunJob } from "../specs/imputationrun-job.ts";
import { applyOwned, deleteOwned } from "./apply-owned.ts";
import type { ControllerContext, CustomObj, KubeObj } from "./context.ts";
import { TerminalError } from "./errors.ts";
import { computeImputationRunStatus, isFinished, type ImputationObservation } from "./imputationrun-status.ts";
import { jobOutcome } from "./job-outcome.ts";
import { parseParticipant } from "./participant-controller.ts";
import { patchStatus } from "./status-patch.ts";

function parseRun(raw: CustomObj): ImputationRun {
  const r = imputationRunSchema.safeParse(raw);
  if (!r.success) throw new TerminalError(`ImputationRun ${raw.metadata.namespace}/${raw.metadata.name} does not match the operator's schema: ${r.error.message}`);
  return r.data;
}

const outcomeOf = (ctx: ControllerContext, job: KubeObj<V1Job>) => jobOutcome(job, ctx.podsByOwner.owned(job.metadata.namespace, "Job", job.metadata.name));

async function reconcileScheduled(ctx: ControllerContext, raw: CustomObj, ir: ImputationRun, cron: V1CronJob): Promise<Omit<ImputationObservation, "now">> {
  const res = await applyOwned<KubeObj<V1CronJob>>(ctx, RESOURCES.cronJob, ctx.cronJobs, raw, cron as KubeObj<V1CronJob>);
  const name = cron.metadata!.name!;
  const ns = ir.metadata.namespace ?? "";
  for (const stale of ctx.jobsByOwner.owned(ns, "ImputationRun", ir.metadata.name)) await deleteOwned(ctx, RESOURCES.job, ctx.jobs, raw, ns, stale.metadata.name);
  return {
    workloadName: name, scheduled: true,
    jobs: ctx.jobsByOwner.owned(ns, "CronJob", name).map((j) => outcomeOf(ctx, j)),
    ...(res.obj?.status?.lastScheduleTime ? { lastScheduleTime: String(res.obj.status.lastScheduleTime) } : {}),
    ...(res.invalid ? { applyError: res.invalid } : {}),
  };
}

async function reconcileOneShot(ctx: ControllerContext, raw: CustomObj, ir: ImputationRun, desired: V1Job): Promise<Omit<ImputationObservation, "now">> {
  const ns = ir.metadata.namespace ?? "";
  const name = desired.metadata!.name!;
  await deleteOwned(ctx, RESOURCES.cronJob, ctx.cronJobs, raw, ns, imputationRunCronJobName(ir));
  // Jobs of an older version of this run (different range or method) are replaced.
  for (const stale of ctx.jobsByOwner.owned(ns, "ImputationRun", ir.metadata.name)) {
    if (stale.metadata.name !== name) await deleteOwned(ctx, RESOURCES.job, ctx.jobs, raw, ns, stale.metadata.name);
  }
  let job = ctx.jobs.get(ns, name);
  let applyError: string | undefined;
  // Job specs are immutable and the name carries their hash: create once, never re-apply.
  if (!job && !isFinished(ir.status, name)) {
    const res = await applyOwned<KubeObj<V1Job>>(ctx, RESOURCES.job, ctx.jobs, raw, desired as KubeObj<V1Job>);
    job = res.obj;
    applyError = res.invalid;
  }
  return { workloadName: name, scheduled: false, jobs: job ? [outcomeOf(ctx, job)] : [], ...(applyError ? { applyError } : {}) };
}

export async function reconcileImputationRun(ctx: ControllerContext, key: string): Promise<void> {
  const { namespace, name } = splitKey(key);
  const raw = ctx.imputationRuns.get(namespace, name);
  if (!raw || raw.metadata.deletionTimestamp) return;
  const ir = parseRun(raw);
  const ptRaw = ctx.participants.get(namespace, ir.spec.participantRef.name);
  let obs: Omit<ImputationObservation, "now">;
  if (!ptRaw || ptRaw.metadata.deletionTimestamp) {
    obs = { workloadName: "", scheduled: false, jobs: [], participantMissing: `Participant ${ir.spec.participantRef.name} not found in namespace ${namespace}; create it or fix spec.participantRef.name` };
  } else {
    const pt = parseParticipant(ptRaw);
    const cron = buildImputationRunCronJob(ir, pt, ctx.jobOptions);
    obs = cron ? await reconcileScheduled(ctx, raw, ir, cron) : await reconcileOneShot(ctx, raw, ir, buildImputationRunJob(ir, pt, ctx.jobOptions)!);
  }
  const live = ctx.imputationRuns.get(namespace, name) ?? raw;
  const status = computeImputationRunStatus({ ...ir, status: parseRun(live).status }, { ...obs, now: ctx.now() });
  const patched = await patchStatus(ctx.client, RESOURCES.imputationRun, live, status);
  if (patched) ctx.imputationRuns.wrote(namespace, name, live, patched);
}
