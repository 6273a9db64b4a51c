// Control flow as typed errors (CNPG's ErrNextLoop / ErrTerminateLoop): the
// outer reconcile maps them to a queue action and a metric result, so inner
// steps can stop early without ad-hoc flags.
import { isConflict } from "../runtime/kube-client.ts";

/** Stop this pass and run again after `afterMs` (not a failure: nothing to log as an error). */
export class RequeueAfter extends Error {
  override name = "RequeueAfter";
  readonly afterMs: number;
  constructor(afterMs: number, why: string) {
    super(why);
    this.afterMs = afterMs;
  }
}

/** A problem retrying cannot fix until the object changes: report in status, do not requeue. */
export class TerminalError extends Error {
  override name = "TerminalError";
}

export type Outcome = { result: "success" } | { result: "requeue"; afterMs?: number } | { result: "error"; err: unknown } | { result: "terminal"; err: TerminalError };

export function classify(err: unknown): Outcome {
  if (err instanceof RequeueAfter) return { result: "requeue", afterMs: err.afterMs };
  // Someone else changed the object since our cache saw it: retry soon with fresh data.
  if (isConflict(err)) return { result: "requeue" };
  if (err instanceof TerminalError) return { result: "terminal", err };
  return { result: "error", err };
}

/** Adds what we were doing to an error, keeping the original as cause. */
export function wrap(what: string, err: unknown): Error {
  if (err instanceof RequeueAfter || err instanceof TerminalError || isConflict(err)) return err as Error;
  return new Error(`while ${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
