// The seed's imputation, re-implemented as the baseline: heart rate is
// forecast forward by ARIMA fitted on the window before the gap (one-sided);
// steps are forward-filled, then back-filled. Same arima package, same
// isolation as ours, so the comparison is about the method only.
import type { ArimaPool } from "../../jobs/impute/arima-pool.ts";
import { Z90 } from "../../jobs/impute/calibrate.ts";
import { findGaps, gapLength, type Gap } from "../../jobs/impute/gaps.ts";
import { sideWindow } from "../../jobs/impute/methods/arima.ts";
import { locfEstimate } from "../../jobs/impute/methods/locf.ts";
import type { Metric } from "../../jobs/impute/methods/types.ts";

export const SEED_ORDER: [number, number, number] = [1, 1, 1];
export const SEED_WINDOW = 360;

export interface SeedResult {
  values: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

async function forwardArima(pool: ArimaPool, values: Float64Array, gap: Gap): Promise<{ mean: Float64Array; sd: Float64Array } | undefined> {
  const before = sideWindow(values, gap, "before", SEED_WINDOW);
  if (before.length < 30) return undefined;
  try {
    const fit = await pool.fit(before, { order: SEED_ORDER, horizon: gapLength(gap) });
    return { mean: fit.mean, sd: fit.variance.map(Math.sqrt) };
  } catch {
    return undefined;
  }
}

/** Fills every gap of `values` that `wanted` selects; others stay NaN. */
export async function seedImpute(pool: ArimaPool, values: Float64Array, metric: Metric, wanted: (g: Gap) => boolean): Promise<SeedResult> {
  const out = Float64Array.from(values);
  const lower = new Float64Array(values.length).fill(NaN);
  const upper = new Float64Array(values.length).fill(NaN);
  for (const gap of findGaps(values)) {
    if (!wanted(gap)) continue;
    const arima = metric === "heart_rate" ? await forwardArima(pool, values, gap) : undefined;
    const est = arima ?? { mean: locfEstimate(values, gap, 1).value, sd: undefined };
    for (let k = 0; k < gapLength(gap); k++) {
      const i = gap.start + k;
      out[i] = est.mean[k]!;
      if (est.sd) {
        lower[i] = est.mean[k]! - Z90 * est.sd[k]!;
        upper[i] = est.mean[k]! + Z90 * est.sd[k]!;
      }
    }
  }
  return { values: out, lower, upper };
}
