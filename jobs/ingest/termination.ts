// The one-line JSON summary a job leaves for the operator: Kubernetes copies
// the file named by terminationMessagePath into the Pod's terminated state
// (max 4 KiB), where the operator reads it to fill the CR status.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import type { AdherenceSummary } from "./adherence.ts";

export const DEFAULT_TERMINATION_LOG = "/dev/termination-log";
const MAX_BYTES = 4096;

export interface IngestTermination {
  kind: "ingest";
  participantId: string;
  rowsWritten: number;
  rowsRejected: number;
  lastSampleTime: string | null;
  adherence: AdherenceSummary | null;
  /** Present when the job failed. */
  error?: string;
}

/** TERMINATION_LOG, else /dev/termination-log when the kubelet provided it, else nowhere. */
export function terminationLogPath(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): string | null {
  if (env.TERMINATION_LOG) return env.TERMINATION_LOG;
  return exists(DEFAULT_TERMINATION_LOG) ? DEFAULT_TERMINATION_LOG : null;
}

/** One line of JSON, cut to the kubelet's limit by shortening the error text first. */
export function terminationLine(summary: object): string {
  let line = JSON.stringify(summary);
  const withError = summary as { error?: string };
  if (Buffer.byteLength(line) > MAX_BYTES && typeof withError.error === "string") {
    const over = Buffer.byteLength(line) - MAX_BYTES + 3;
    line = JSON.stringify({ ...summary, error: `${withError.error.slice(0, Math.max(0, withError.error.length - over))}...` });
  }
  return `${line}\n`;
}

export async function writeTerminationLog(summary: object, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const path = terminationLogPath(env);
  if (!path) return null;
  await writeFile(path, terminationLine(summary));
  return path;
}
