// Condition types, reasons and the one function that merges a condition into
// a list. Reasons are constants so tests, Events and alerts share spellings.
import type { Condition } from "./common-types.ts";

export const CONDITION = {
  /** Participant: owned objects match the spec and the last ingest (if any) did not fail. ImputationRun: work is set up. */
  Ready: "Ready",
  /** Participant: the ingest CronJob exists and is not suspended. */
  Scheduled: "Scheduled",
  /** Participant: the newest finished ingest Job succeeded. */
  IngestHealthy: "IngestHealthy",
  /** ImputationRun: the run (or its latest scheduled run) finished. */
  Complete: "Complete",
} as const;

export const REASON = {
  Reconciled: "Reconciled",
  CronJobReady: "CronJobReady",
  Suspended: "Suspended",
  ApplyFailed: "ApplyFailed",
  InvalidSpec: "InvalidSpec",
  NoIngestYet: "NoIngestYet",
  IngestSucceeded: "IngestSucceeded",
  IngestFailed: "IngestFailed",
  Deleting: "Deleting",
  ErasureFailed: "ErasureFailed",
  ParticipantNotFound: "ParticipantNotFound",
  JobCreated: "JobCreated",
  JobRunning: "JobRunning",
  JobSucceeded: "JobSucceeded",
  JobFailed: "JobFailed",
  CronJobScheduled: "CronJobScheduled",
} as const;

export interface ConditionInput {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

/**
 * Returns `conditions` with `next` set. lastTransitionTime only moves when the
 * status changes, so recomputing an unchanged condition changes nothing and
 * costs no write.
 */
export function setCondition(conditions: readonly Condition[] | undefined, next: ConditionInput, generation: number | undefined, now: Date): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const merged: Condition = {
    type: next.type,
    status: next.status,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    reason: next.reason,
    message: next.message,
  };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
