// The one-line JSON summary a job leaves for the operator: Kubernetes copies
// the file named by terminationMessagePath into the Pod's terminated state
// (max 4 KiB), where the operator reads it to fill the CR status. A failed
// run leaves {"kind": ..., "error": "..."}: the operator quotes `error` in
// the CR's condition instead of a log tail.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";

export const DEFAULT_TERMINATION_LOG = "/dev/termination-log";
const MAX_BYTES = 4096;

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

/**
 * The CLI's last word on a command that failed without saying so itself:
 * `{"kind": command, "error": message}`, unless the command already left its
 * own summary (which then says more).
 */
export async function recordFailure(kind: string, error: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const path = terminationLogPath(env);
  if (!path) return;
  const existing = await readFile(path, "utf8").catch(() => "");
  if (existing.trim()) return;
  await writeFile(path, terminationLine({ kind, error }));
}
