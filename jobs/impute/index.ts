// Public surface of the imputation engine for other modules (demo, bench).
import type pg from "pg";
import type { Logger } from "pino";
import { sharedArimaPool } from "./arima-pool.ts";
import { runImputeJob, type ImputeJobResult } from "./job.ts";
import type { Metric } from "./methods/types.ts";

export { imputeSeries, type ImputeOptions, type ImputeResult, type ImputeCounts } from "./impute.ts";
export { runImputeJob, type ImputeJobOptions, type ImputeJobResult } from "./job.ts";
export { imputeCsvText } from "./csv-cli.ts";
export { sharedArimaPool } from "./arima-pool.ts";
export type { Metric, MethodChoice, MethodName } from "./methods/types.ts";

/**
 * What `wearable demo` (or any caller with a pool) runs after ingest: heart
 * rate and steps for one participant over [from, to), method auto, maxGap
 * 120 min; one pipeline_runs row per metric. Call closeImputation() before exit.
 */
export async function imputeParticipant(
  pool: pg.Pool,
  participantId: string,
  range: { from: number; to: number },
  log?: Logger,
): Promise<Record<Metric, ImputeJobResult>> {
  const out = {} as Record<Metric, ImputeJobResult>;
  for (const metric of ["heart_rate", "steps"] as const) {
    out[metric] = await runImputeJob(pool, { participantId, metric, ...range, method: "auto", maxGapMs: 120 * 60_000, ...(log ? { log } : {}) });
  }
  return out;
}

/** Stops the ARIMA worker thread (it is unref'd, so this is only for a tidy exit). */
export function closeImputation(): Promise<void> {
  return sharedArimaPool().close();
}
