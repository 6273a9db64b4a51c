// The Participant status as a pure function of the spec, the outcome of
// applying its owned objects, the ingest Jobs and the previous status.
// Times only move forward, so Jobs removed by history limits or TTL never
// erase what status already recorded.
import type { Condition } from "../api/v1alpha1/common-types.ts";
import { CONDITION, REASON, findCondition, setCondition } from "../api/v1alpha1/conditions.ts";
import type { Participant, ParticipantStatus } from "../api/v1alpha1/participant-types.ts";
import { byFinishTime, imputeCounts, ingestSummarySchema, type IngestSummary, type JobOutcome } from "./job-outcome.ts";

export interface ParticipantObservation {
  cronJobName: string;
  schedule: string;
  /** Error from applying the ingest or imputation CronJob (e.g. the server refused the time zone). */
  applyError?: string;
  /** Ingest Jobs of this participant. */
  jobs: JobOutcome[];
  /** Jobs of its imputation CronJob (none without spec.imputation). */
  imputeJobs?: JobOutcome[];
  now: Date;
}

const later = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b);

function summaryOf(job: JobOutcome): IngestSummary | undefined {
  for (const s of [...job.summaries].reverse()) {
    const r = ingestSummarySchema.safeParse(s);
    if (r.success) return r.data;
  }
  return undefined;
}

interface IngestFacts {
  lastSuccess?: string;
  lastFailure?: string;
  newest?: JobOutcome;
  consecutiveFailures: number;
}

function ingestFacts(prev: ParticipantStatus, jobs: JobOutcome[]): IngestFacts {
  const finished = jobs.filter((j) => j.state !== "running" && j.finishedAt).sort(byFinishTime);
  const succeeded = finished.filter((j) => j.state === "succeeded");
  const failed = finished.filter((j) => j.state === "failed");
  const lastSuccess = later(prev.lastSuccessfulIngestTime, succeeded.at(-1)?.finishedAt);
  const lastFailure = later(prev.lastFailedIngestTime, failed.at(-1)?.finishedAt);
  const failuresSince = failed.filter((j) => !lastSuccess || Date.parse(j.finishedAt!) > Date.parse(lastSuccess)).length;
  // Failed Jobs beyond failedJobsHistoryLimit are gone; never count down while failures continue.
  const stillFailing = lastFailure && (!lastSuccess || Date.parse(lastFailure) > Date.parse(lastSuccess));
  const consecutiveFailures = stillFailing ? Math.max(failuresSince, prev.consecutiveIngestFailures ?? 0) : 0;
  return { lastSuccess, lastFailure, newest: finished.at(-1), consecutiveFailures };
}

function ingestHealthy(facts: IngestFacts): { status: "True" | "False" | "Unknown"; reason: string; message: string } {
  if (!facts.lastSuccess && !facts.lastFailure) return { status: "Unknown", reason: REASON.NoIngestYet, message: "no ingest run has finished yet" };
  const failing = facts.consecutiveFailures > 0;
  if (failing) {
    const detail = facts.newest?.state === "failed" && facts.newest.message ? `: ${facts.newest.message}` : "";
    return { status: "False", reason: REASON.IngestFailed, message: `${facts.consecutiveFailures} ingest run(s) failed since the last success${detail}`.slice(0, 2000) };
  }
  const s = facts.newest?.state === "succeeded" ? summaryOf(facts.newest) : undefined;
  return { status: "True", reason: REASON.IngestSucceeded, message: s ? `last ingest wrote ${s.rowsWritten} rows (${s.rowsRejected} rejected)` : "last ingest succeeded" };
}

type SetCondition = (type: string, status: "True" | "False" | "Unknown", reason: string, message: string) => void;

function setConditions(pt: Participant, obs: ParticipantObservation, health: ReturnType<typeof ingestHealthy>, set: SetCondition): void {
  if (obs.applyError) set(CONDITION.Scheduled, "False", REASON.ApplyFailed, obs.applyError);
  else if (pt.spec.suspend) set(CONDITION.Scheduled, "False", REASON.Suspended, "spec.suspend is true: no ingest runs are scheduled");
  else set(CONDITION.Scheduled, "True", REASON.CronJobReady, `CronJob ${obs.cronJobName} runs "${obs.schedule}" (${pt.spec.timeZone})`);

  set(CONDITION.IngestHealthy, health.status, health.reason, health.message);

  if (obs.applyError) set(CONDITION.Ready, "False", REASON.ApplyFailed, obs.applyError);
  else if (health.status === "False") set(CONDITION.Ready, "False", REASON.IngestFailed, health.message);
  else if (pt.spec.suspend) set(CONDITION.Ready, "True", REASON.Suspended, "owned objects are in sync; ingest is suspended");
  else set(CONDITION.Ready, "True", REASON.Reconciled, "owned objects are in sync");
}

function lastIngestOf(newest: JobOutcome | undefined, prev: ParticipantStatus["lastIngest"]): ParticipantStatus["lastIngest"] {
  if (!newest) return prev;
  const s = newest.state === "succeeded" ? summaryOf(newest) : undefined;
  return {
    jobName: newest.name,
    ...(s ? { rowsWritten: s.rowsWritten, rowsRejected: s.rowsRejected } : {}),
    ...(s?.lastSampleTime ? { lastSampleTime: s.lastSampleTime } : {}),
  };
}

/** Adherence from the newest successful run that reported it; never replaced by an older report. */
function adherenceOf(jobs: JobOutcome[], prev: ParticipantStatus["adherence"]): ParticipantStatus["adherence"] {
  const job = jobs.filter((j) => j.state === "succeeded" && j.finishedAt && summaryOf(j)?.adherence).sort(byFinishTime).at(-1);
  const a = job ? summaryOf(job)?.adherence : undefined;
  if (!job?.finishedAt || !a) return prev;
  if (prev && Date.parse(job.finishedAt) < Date.parse(prev.reportedAt)) return prev;
  return { windowDays: a.windowDays, wearPercent: Math.round(a.wearPercent * 10) / 10, validDays: a.validDays, reportedAt: job.finishedAt };
}

/** The newest finished imputation Job; kept once its Job is gone (history limit, TTL). */
function lastImputationOf(jobs: JobOutcome[], prev: ParticipantStatus["lastImputation"]): ParticipantStatus["lastImputation"] {
  const job = jobs.filter((j) => j.state !== "running" && j.finishedAt).sort(byFinishTime).at(-1);
  if (!job?.finishedAt || (prev && Date.parse(job.finishedAt) < Date.parse(prev.finishedAt))) return prev;
  const { gapsFound, gapsFilled, pointsImputed } = imputeCounts(job);
  return {
    jobName: job.name,
    result: job.state === "succeeded" ? "Succeeded" : "Failed",
    finishedAt: job.finishedAt,
    ...(gapsFound === undefined ? {} : { gapsFound, gapsFilled, pointsImputed }),
    ...(job.state === "failed" && job.message ? { message: job.message.slice(0, 2000) } : {}),
  };
}

export function computeParticipantStatus(pt: Participant, obs: ParticipantObservation): ParticipantStatus {
  const prev = pt.status ?? {};
  const gen = pt.metadata.generation;
  const facts = ingestFacts(prev, obs.jobs);
  let conditions: Condition[] = prev.conditions ?? [];
  setConditions(pt, obs, ingestHealthy(facts), (type, status, reason, message) => {
    conditions = setCondition(conditions, { type, status, reason, message }, gen, obs.now);
  });
  const lastIngest = lastIngestOf(facts.newest, prev.lastIngest);
  const adherence = adherenceOf(obs.jobs, prev.adherence);
  const lastImputation = lastImputationOf(obs.imputeJobs ?? [], prev.lastImputation);
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions,
    schedule: obs.schedule,
    ...(facts.lastSuccess ? { lastSuccessfulIngestTime: facts.lastSuccess } : {}),
    ...(facts.lastFailure ? { lastFailedIngestTime: facts.lastFailure } : {}),
    consecutiveIngestFailures: facts.consecutiveFailures,
    ...(lastIngest ? { lastIngest } : {}),
    ...(adherence ? { adherence } : {}),
    ...(lastImputation ? { lastImputation } : {}),
  };
}

/** Events worth telling a human about, from the condition change. */
export function ingestTransition(before: ParticipantStatus | undefined, after: ParticipantStatus): { type: "Normal" | "Warning"; reason: string; message: string } | undefined {
  const was = findCondition(before?.conditions, CONDITION.IngestHealthy);
  const now = findCondition(after.conditions, CONDITION.IngestHealthy);
  if (!now || was?.status === now.status) {
    if (now?.status === "False" && (after.consecutiveIngestFailures ?? 0) > (before?.consecutiveIngestFailures ?? 0)) {
      return { type: "Warning", reason: REASON.IngestFailed, message: now.message };
    }
    return undefined;
  }
  if (now.status === "False") return { type: "Warning", reason: REASON.IngestFailed, message: now.message };
  if (now.status === "True") return { type: "Normal", reason: was?.status === "False" ? "IngestRecovered" : REASON.IngestSucceeded, message: now.message };
  return undefined;
}
