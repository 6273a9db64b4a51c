// What a finished Job reports: its result from the Job conditions, and the
// summary line the job wrote to its termination message (jobs contract in the
// team brief). Pure functions over Job and Pod objects.
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { z } from "zod";

export const ingestSummarySchema = z.object({
  kind: z.literal("ingest"),
  participantId: z.string(),
  rowsWritten: z.number().int().min(0),
  rowsRejected: z.number().int().min(0),
  lastSampleTime: z.string().nullable().optional(),
  adherence: z.object({ windowDays: z.number().int().min(1), wearPercent: z.number().min(0).max(100), validDays: z.number().int().min(0) }).nullable().optional(),
  /** Set by a failed run: the reason in the job's own words. */
  error: z.string().optional(),
});
export const imputeSummarySchema = z.object({
  kind: z.literal("impute"),
  gapsFound: z.number().int().min(0),
  gapsFilled: z.number().int().min(0),
  gapsSkipped: z.number().int().min(0),
  pointsImputed: z.number().int().min(0),
});
export type IngestSummary = z.infer<typeof ingestSummarySchema>;
export type ImputeSummary = z.infer<typeof imputeSummarySchema>;

export interface JobOutcome {
  name: string;
  state: "running" | "succeeded" | "failed";
  startTime?: string;
  /** Completion (or failure) time of a finished job. */
  finishedAt?: string;
  /** Failure reason from the Job condition, or the container's log tail. */
  message?: string;
  /** The parsed summary lines, one per container that wrote one (in container order). */
  summaries: unknown[];
  createdAt?: string;
}

/** The last line of a termination message that is a JSON object, or undefined. */
export function parseTerminationMessage(text: string | undefined): unknown {
  if (!text) return undefined;
  const lines = text.trim().split("\n").reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      return JSON.parse(t) as unknown;
    } catch {
      // a truncated or log line: keep looking
    }
  }
  return undefined;
}

function terminatedMessages(pod: V1Pod): { text?: string; exitCode?: number }[] {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return all.map((s) => ({ text: s.state?.terminated?.message ?? s.lastState?.terminated?.message, exitCode: s.state?.terminated?.exitCode }));
}

function failureMessage(reason: string | undefined, message: string | undefined, messages: { text?: string; exitCode?: number }[]): string {
  const raw = messages.find((m) => (m.exitCode ?? 0) !== 0 && m.text)?.text;
  // A job that wrote its summary says why in `error`; otherwise the log tail (FallbackToLogsOnError) is all there is.
  const reported = (parseTerminationMessage(raw) as { error?: unknown } | undefined)?.error;
  const text = typeof reported === "string" ? reported : raw;
  return [reason, message, text ? `last output: ${text.trim().slice(-400)}` : ""].filter(Boolean).join(": ");
}

function newestPodFirst(pods: V1Pod[]): V1Pod[] {
  // Pods that ran to the end first, then newest first: a retried job's last attempt is the one that counts.
  const ended = (p: V1Pod) => (terminatedMessages(p).some((m) => m.exitCode !== undefined) ? "1" : "0");
  const rank = (p: V1Pod) => `${ended(p)}${String(p.metadata?.creationTimestamp ?? "")}`;
  return [...pods].sort((a, b) => rank(b).localeCompare(rank(a)));
}

export function jobOutcome(job: V1Job, pods: V1Pod[]): JobOutcome {
  const cond = (type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === "True");
  const complete = cond("Complete");
  const failed = cond("Failed");
  const state = complete ? "succeeded" : failed ? "failed" : "running";
  const newest = newestPodFirst(pods)[0];
  const messages = newest ? terminatedMessages(newest) : [];
  const summaries = messages.map((m) => parseTerminationMessage(m.text)).filter((s) => s !== undefined);
  const finishedAt = String(job.status?.completionTime ?? failed?.lastTransitionTime ?? "") || undefined;
  const message = failed ? failureMessage(failed.reason, failed.message, messages) : undefined;
  return {
    name: job.metadata?.name ?? "",
    state,
    ...(job.status?.startTime ? { startTime: String(job.status.startTime) } : {}),
    ...(finishedAt && state !== "running" ? { finishedAt } : {}),
    ...(message ? { message } : {}),
    summaries,
    ...(job.metadata?.creationTimestamp ? { createdAt: String(job.metadata.creationTimestamp) } : {}),
  };
}

/** Finished first by time, newest last. */
export function byFinishTime(a: JobOutcome, b: JobOutcome): number {
  return (a.finishedAt ?? "").localeCompare(b.finishedAt ?? "");
}

/**
 * The counts an impute job reported, summed over its containers (a
 * participant's imputation Job runs one step per metric, each leaving its own
 * summary), or {} when none left one.
 */
export function imputeCounts(job: JobOutcome | undefined): Partial<Omit<ImputeSummary, "kind">> {
  const found = (job?.summaries ?? []).map((s) => imputeSummarySchema.safeParse(s)).filter((r) => r.success).map((r) => r.data);
  if (found.length === 0) return {};
  const sum = (k: "gapsFound" | "gapsFilled" | "gapsSkipped" | "pointsImputed") => found.reduce((a, s) => a + s[k], 0);
  return { gapsFound: sum("gapsFound"), gapsFilled: sum("gapsFilled"), gapsSkipped: sum("gapsSkipped"), pointsImputed: sum("pointsImputed") };
}
