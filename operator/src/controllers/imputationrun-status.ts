// ImputationRun status as a pure function of the run, its Job (one-shot) or
// its CronJob's newest finished Job (scheduled), and the previous status.
import type { Condition } from "../api/v1alpha1/common-types.ts";
import { CONDITION, REASON, setCondition } from "../api/v1alpha1/conditions.ts";
import type { ImputationPhase, ImputationRun, ImputationRunStatus } from "../api/v1alpha1/imputationrun-types.ts";
import { byFinishTime, imputeCounts, type JobOutcome } from "./job-outcome.ts";

export interface ImputationObservation {
  /** Name of the Job (one-shot) or CronJob (scheduled). */
  workloadName: string;
  scheduled: boolean;
  /** One-shot: the Job, if it exists. Scheduled: the CronJob's Jobs. */
  jobs: JobOutcome[];
  lastScheduleTime?: string;
  participantMissing?: string;
  applyError?: string;
  now: Date;
}

const TERMINAL: ImputationPhase[] = ["Succeeded", "Failed"];

export function isFinished(status: ImputationRunStatus | undefined, jobName: string): boolean {
  return status?.jobName === jobName && TERMINAL.includes(status.phase as ImputationPhase);
}

type SetCondition = (type: string, status: "True" | "False" | "Unknown", reason: string, message: string) => void;

function scheduledStatus(ir: ImputationRun, obs: ImputationObservation, set: SetCondition): ImputationRunStatus {
  const newest = obs.jobs.filter((j) => j.state !== "running").sort(byFinishTime).at(-1);
  set(CONDITION.Ready, "True", REASON.CronJobScheduled, `CronJob ${obs.workloadName} runs "${ir.spec.schedule}"`);
  if (newest) {
    const ok = newest.state === "succeeded";
    set(CONDITION.Complete, ok ? "True" : "False", ok ? REASON.JobSucceeded : REASON.JobFailed, newest.message ?? `Job ${newest.name} ${newest.state}`);
  }
  return {
    phase: ir.spec.suspend ? "Suspended" : "Scheduled",
    jobName: obs.workloadName,
    ...(obs.lastScheduleTime ? { lastScheduleTime: obs.lastScheduleTime } : {}),
    ...(newest?.finishedAt ? { completionTime: newest.finishedAt } : {}),
    ...imputeCounts(newest),
  };
}

function oneShotStatus(job: JobOutcome, set: SetCondition): ImputationRunStatus {
  set(CONDITION.Ready, "True", REASON.JobCreated, `Job ${job.name} created`);
  const start = job.startTime ? { startTime: job.startTime } : {};
  if (job.state === "running") {
    set(CONDITION.Complete, "False", REASON.JobRunning, `Job ${job.name} is running`);
    return { phase: job.startTime ? "Running" : "Pending", jobName: job.name, ...start };
  }
  const okay = job.state === "succeeded";
  const message = okay ? `Job ${job.name} succeeded` : (job.message ?? `Job ${job.name} failed`);
  set(CONDITION.Complete, okay ? "True" : "False", okay ? REASON.JobSucceeded : REASON.JobFailed, message);
  return {
    phase: okay ? "Succeeded" : "Failed", jobName: job.name, ...start,
    ...(job.finishedAt ? { completionTime: job.finishedAt } : {}),
    ...imputeCounts(job),
    ...(okay ? {} : { message: message.slice(0, 4000) }),
  };
}

export function computeImputationRunStatus(ir: ImputationRun, obs: ImputationObservation): ImputationRunStatus {
  const prev = ir.status ?? {};
  const gen = ir.metadata.generation;
  let conditions: Condition[] = prev.conditions ?? [];
  const set: SetCondition = (type, status, reason, message) => {
    conditions = setCondition(conditions, { type, status, reason, message }, gen, obs.now);
  };
  const base = { ...(gen !== undefined ? { observedGeneration: gen } : {}) };

  const problem = obs.participantMissing ?? obs.applyError;
  if (problem) {
    set(CONDITION.Ready, "False", obs.participantMissing ? REASON.ParticipantNotFound : REASON.ApplyFailed, problem);
    return { ...base, phase: "Pending", conditions, message: problem };
  }
  if (obs.scheduled) {
    const s = scheduledStatus(ir, obs, set);
    return { ...base, ...s, conditions };
  }
  const job = obs.jobs[0];
  if (job) {
    const s = oneShotStatus(job, set);
    return { ...base, ...s, conditions };
  }
  // A finished Job removed by its TTL: the status already holds the result.
  if (isFinished(prev, obs.workloadName)) return prev;
  set(CONDITION.Ready, "True", REASON.JobCreated, `Job ${obs.workloadName} created`);
  return { ...base, phase: "Pending", conditions, jobName: obs.workloadName };
}
