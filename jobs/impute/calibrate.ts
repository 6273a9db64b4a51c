// Interval calibration. A model's own standard deviation is rarely right for
// real wearable data (heavy tails, regime changes), so every method's
// intervals are calibrated on the series itself: blocks of observed data of
// the same length as the gaps to fill are hidden, imputed and compared with
// the truth. The 5% and 95% quantiles of the standardised errors, per
// gap-length bucket, turn each point's model sd into a 90% interval. This is
// split-conformal calibration; it adapts to each participant without tuning
// to any one series. The same held-out errors give each method's MAE per
// bucket, which `auto` uses to choose a method.
import type { Gap } from "./gaps.ts";
import { quantile } from "./methods/endpoints.ts";
import type { GapEstimate, PreparedImputer } from "./methods/types.ts";
import { mulberry32 } from "./random.ts";

/** Gaussian 5%/95% quantiles: used when the series is too short to calibrate on. */
export const Z90 = 1.6448536269514722;

export interface BucketCalibration {
  /** Representative gap length the masks used. */
  length: number;
  qLow: number;
  /** Median standardised error: the shift from the model mean to the held-out median. */
  qMid: number;
  qHigh: number;
  /** Mean absolute error (metric units) of the held-out points, median-centred; NaN when none. */
  mae: number;
  points: number;
}

/** Gap-length buckets on a log2 scale: 1, 2–3, 4–7, 8–15, ... */
export function bucketOf(length: number): number {
  return Math.floor(Math.log2(Math.max(1, length)));
}

export function toMetric(v: number, space: GapEstimate["space"]): number {
  return space === "sqrt" ? Math.max(0, v) ** 2 : v;
}

export function toModel(v: number, space: GapEstimate["space"]): number {
  return space === "sqrt" ? Math.sqrt(Math.max(0, v)) : v;
}

/** Starts s such that [s-1, s+len] is fully observed (a hidden block with real neighbours). */
export function maskCandidates(values: Float64Array, len: number, exclude?: (s: number, e: number) => boolean): number[] {
  const out: number[] = [];
  let run = 0;
  for (let i = 0; i < values.length; i++) {
    run = Number.isNaN(values[i]!) ? 0 : run + 1;
    // values[i-len-1 .. i] observed => block [i-len, i) with neighbours i-len-1 and i.
    if (run >= len + 2 && i + 1 < values.length) {
      const s = i - len;
      if (!exclude || !exclude(s - 1, i + 1)) out.push(s);
    }
  }
  return out;
}

/** Stratified, seeded draw of hidden-block starts spread over the whole series. */
export function drawMasks(values: Float64Array, length: number, count: number, seed: number): number[] {
  const cands = maskCandidates(values, length);
  if (cands.length === 0) return [];
  const rand = mulberry32(seed ^ (length * 2654435761));
  const k = Math.min(count, cands.length);
  const starts: number[] = [];
  for (let j = 0; j < k; j++) {
    const idx = Math.floor(((j + rand()) / k) * cands.length);
    starts.push(cands[Math.min(cands.length - 1, idx)]!);
  }
  return starts;
}

export interface CalibrateOptions {
  /** Seed for mask positions (deterministic output). */
  seed: number;
  /** Number of masks for a bucket of this representative length. */
  masks: (length: number) => number;
  /** Move the centre to the held-out median (model-based methods); false keeps e.g. a straight line straight. */
  centre: boolean;
}

export async function calibrateBucket(
  imputer: PreparedImputer,
  values: Float64Array,
  length: number,
  opts: CalibrateOptions,
): Promise<BucketCalibration | undefined> {
  const starts = drawMasks(values, length, opts.masks(length), opts.seed);
  if (starts.length === 0) return undefined;
  const work = Float64Array.from(values);
  const held: { y: number; m: number; sd: number; space: GapEstimate["space"] }[] = [];
  for (const s of starts) {
    const gap: Gap = { start: s, end: s + length };
    const truth = values.subarray(s, s + length);
    work.fill(NaN, s, s + length);
    const est = await imputer.estimate(work, gap);
    work.set(truth, s);
    for (let t = 0; t < length; t++) held.push({ y: truth[t]!, m: est.value[t]!, sd: est.sd[t]!, space: est.space });
  }
  const z = held.filter((h) => h.sd > 0).map((h) => (toModel(h.y, h.space) - h.m) / h.sd);
  if (z.length < 10) return undefined;
  z.sort((a, b) => a - b);
  // The median standardised error moves the centre from the model's mean to
  // the held-out median: the MAE-optimal point when errors are skewed (heart
  // rate overshoots in activity bouts, step counts are mostly zero).
  const qMid = opts.centre ? quantile(z, 0.5) : 0;
  let absErr = 0;
  for (const h of held) absErr += Math.abs(toMetric(h.m + qMid * h.sd, h.space) - h.y);
  return { length, qLow: quantile(z, 0.05), qMid, qHigh: quantile(z, 0.95), mae: absErr / held.length, points: z.length };
}

/** Default mask budget: enough held-out points for stable 5%/95% quantiles. */
export function defaultMasks(length: number): number {
  // Points inside one long block are strongly correlated, so long gaps need
  // many blocks (not many points) for a stable tail quantile.
  return Math.max(60, Math.min(150, Math.ceil(600 / length)));
}
