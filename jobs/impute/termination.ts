// The one-line JSON summary a job leaves for the operator, which reads it from
// the Pod's terminated state (terminationMessagePolicy FallbackToLogsOnError).
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";

export const DEFAULT_TERMINATION_LOG = "/dev/termination-log";

export interface ImputeTermination {
  kind: "impute";
  gapsFound: number;
  gapsFilled: number;
  gapsSkipped: number;
  pointsImputed: number;
}

/** Writes to $TERMINATION_LOG, else /dev/termination-log when it exists; returns the path used. */
export async function writeTerminationMessage(msg: ImputeTermination, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const path = env.TERMINATION_LOG || (existsSync(DEFAULT_TERMINATION_LOG) ? DEFAULT_TERMINATION_LOG : undefined);
  if (!path) return undefined;
  await writeFile(path, JSON.stringify(msg) + "\n");
  return path;
}
