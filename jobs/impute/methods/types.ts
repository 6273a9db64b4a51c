// The one interface every imputation method implements. A method sees the
// whole grid (so it can learn per-participant structure) and the list of gaps
// it must fill, and returns a point estimate plus a model standard deviation
// per missing point. Interval calibration happens outside the method
// (calibrate.ts), so every method's intervals are judged the same way.
import type { Gap } from "../gaps.ts";

export type Metric = "heart_rate" | "steps";
export const METRICS: readonly Metric[] = ["heart_rate", "steps"];

/** "seasonal+linear" (a forecast combination) is never asked for; only `auto` picks it. */
export type MethodName = "linear" | "locf" | "arima" | "seasonal" | "seasonal+linear";
export type MethodChoice = MethodName | "auto";
export const METHOD_CHOICES: readonly MethodChoice[] = ["auto", "arima", "seasonal", "linear", "locf"];

export interface MethodInput {
  /** Values on the grid; NaN = missing. Never modified. */
  values: Float64Array;
  /** Epoch ms of index 0 (for time of day). */
  start: number;
  stepMs: number;
  metric: Metric;
  /** Optional step counts on the same grid; lets heart-rate models follow activity. */
  activity?: Float64Array;
}

export interface GapEstimate {
  /** Point estimate per missing point (length = gap length). */
  value: Float64Array;
  /**
   * Model standard deviation of the truth at each point, in the metric's
   * units (or in the model's transformed space, see `transform`). Calibration
   * scales it into a 90% interval.
   */
  sd: Float64Array;
  /** Space in which value ± k·sd is symmetric; "sqrt" for counts. */
  space: "identity" | "sqrt";
}

export interface Imputer {
  name: MethodName;
  /**
   * Prepares per-series state (profiles, fitted parameters) once, then
   * estimates each gap. Gaps must lie inside values and be all-NaN.
   */
  prepare(input: MethodInput): Promise<PreparedImputer>;
}

export interface PreparedImputer {
  estimate(values: Float64Array, gap: Gap): Promise<GapEstimate>;
}

/** Values are rejected as output when not finite; methods use this for fallbacks. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
