// The imputation engine: classify the gaps of one grid series, pick a method
// per gap (`auto` chooses by metric and gap length), estimate, calibrate the
// 90% intervals on the series itself, and return the filled series plus
// counts. Pure apart from the ARIMA worker; shared by the CSV command, the
// database job, the demo and the benchmarks.
import type { ArimaPool } from "./arima-pool.ts";
import { bucketOf, calibrateBucket, defaultMasks, toMetric, type BucketCalibration, Z90 } from "./calibrate.ts";
import { classifyGaps, findGaps, gapLength, type ClassifiedGap, type Gap } from "./gaps.ts";
import { makeArima } from "./methods/arima.ts";
import { linear } from "./methods/linear.ts";
import { locf } from "./methods/locf.ts";
import { seasonal } from "./methods/seasonal.ts";
import { combineSeasonalLinear, seasonalLinear } from "./methods/combination.ts";
import type { GapEstimate, Imputer, MethodChoice, MethodInput, MethodName, Metric, PreparedImputer } from "./methods/types.ts";
import type { GridSeries } from "./series.ts";

export interface ImputeOptions {
  metric: Metric;
  method: MethodChoice;
  /** Longest gap that may be filled, in grid points. */
  maxGapPoints: number;
  /** A heart-rate gap at least this long with no steps is non-wear (default: 60 min of points). */
  nonWearMinPoints?: number;
  /** Step counts on the same grid: activity signal and non-wear evidence for heart rate. */
  steps?: Float64Array;
  /** Heart rate on the same grid: non-wear evidence for steps. */
  heartRate?: Float64Array;
  /** Only gaps overlapping [fillFrom, fillTo) are filled and counted (job mode). */
  fillFrom?: number;
  fillTo?: number;
  /** Only gaps this accepts are filled and counted (benchmarks fill just their masks). */
  only?: (gap: Gap) => boolean;
  /** Calibrate intervals on held-out blocks (default true). */
  calibrate?: boolean;
  seed?: number;
  arimaPool?: ArimaPool;
}

export interface FilledGap extends ClassifiedGap {
  method?: MethodName;
}

export interface ImputeCounts {
  gapsFound: number;
  gapsFilled: number;
  gapsSkippedNonWear: number;
  gapsSkippedTooLong: number;
  pointsImputed: number;
}

export interface ImputeResult {
  series: GridSeries;
  /** Observed values plus imputed ones; NaN where a gap stays empty. */
  values: Float64Array;
  imputed: Uint8Array;
  /** 90% interval for imputed points; NaN when none could be calibrated. */
  lower: Float64Array;
  upper: Float64Array;
  /** Method per point (imputed points only). */
  methodAt: (MethodName | undefined)[];
  gaps: FilledGap[];
  counts: ImputeCounts;
}

/**
 * `auto` chooses per metric and gap length by cross-validation on the
 * participant's own series: for each gap-length bucket, each candidate
 * imputes held-out blocks of that length (the same blocks that calibrate the
 * intervals) and the lowest MAE wins. Nothing is tuned to one series; the
 * candidates are the methods that can win for the metric.
 */
export function autoCandidates(metric: Metric, length: number): MethodName[] {
  // Simplest first: a more complex method must earn its place (see chooseAuto).
  if (metric === "steps") return ["locf", "linear", "seasonal"];
  // Two-sided ARIMA is not a candidate: in the benchmark it never beat these
  // on held-out data, costs two fits per block, and with the few blocks we
  // could afford for it, its noisy hold-out score won by chance too often.
  // All candidates are scored on the same blocks (a paired comparison).
  void length;
  return ["linear", "seasonal", "seasonal+linear"];
}

/** Relative MAE improvement a more complex candidate needs over a simpler one. */
export const AUTO_MARGIN = 0.02;

/** What `auto` falls back to when the series is too short to cross-validate. */
export function autoDefault(metric: Metric, length: number): MethodName {
  return metric === "steps" || length > 15 ? "seasonal" : "linear";
}

export function imputerFor(name: MethodName, pool?: ArimaPool): Imputer {
  switch (name) {
    case "linear":
      return linear;
    case "locf":
      return locf;
    case "seasonal":
      return seasonal;
    case "arima":
      return makeArima(pool ? { pool } : {});
    case "seasonal+linear":
      return seasonalLinear;
  }
}

/** Fewer masks for ARIMA: each one costs two fits. */
function maskBudget(name: MethodName): (length: number) => number {
  if (name !== "arima") return defaultMasks;
  return (length) => Math.max(12, Math.min(24, Math.ceil(150 / length)));
}

function emptyResult(series: GridSeries): Omit<ImputeResult, "gaps" | "counts"> {
  const n = series.values.length;
  return {
    series,
    values: Float64Array.from(series.values),
    imputed: new Uint8Array(n),
    lower: new Float64Array(n).fill(NaN),
    upper: new Float64Array(n).fill(NaN),
    methodAt: new Array<MethodName | undefined>(n).fill(undefined),
  };
}

function writeGap(out: Omit<ImputeResult, "gaps" | "counts">, gap: FilledGap, est: GapEstimate, cal: BucketCalibration | undefined, metric: Metric): number {
  let written = 0;
  for (let k = 0; k < gapLength(gap); k++) {
    const i = gap.start + k;
    const sd = est.sd[k]!;
    const m = est.value[k]! + (cal ? cal.qMid * sd : 0);
    let v = toMetric(m, est.space);
    if (!Number.isFinite(v)) continue; // never write a non-finite value
    let lo = cal ? toMetric(est.value[k]! + cal.qLow * sd, est.space) : NaN;
    let hi = cal ? toMetric(est.value[k]! + cal.qHigh * sd, est.space) : NaN;
    if (metric === "steps") {
      // Minute step counts are non-negative integers.
      v = Math.max(0, Math.round(v));
      lo = Math.max(0, Math.floor(lo));
      hi = Math.max(v, Math.ceil(hi));
    }
    out.values[i] = v;
    out.imputed[i] = 1;
    out.lower[i] = Number.isFinite(lo) ? Math.min(lo, v) : NaN;
    out.upper[i] = Number.isFinite(hi) ? Math.max(hi, v) : NaN;
    out.methodAt[i] = gap.method;
    written++;
  }
  return written;
}

export async function imputeSeries(series: GridSeries, opts: ImputeOptions): Promise<ImputeResult> {
  const values = series.values;
  const n = values.length;
  const stepMin = series.stepMs / 60_000;
  const nonWearMinPoints = opts.nonWearMinPoints ?? Math.max(1, Math.round(60 / stepMin));
  const from = opts.fillFrom ?? 0;
  const to = opts.fillTo ?? n;
  const observed = values.some((v) => !Number.isNaN(v));
  const classified = classifyGaps(findGaps(values), n, {
    maxGapPoints: opts.maxGapPoints,
    nonWearMinPoints,
    ...(opts.metric === "heart_rate" && opts.steps ? { steps: opts.steps } : {}),
    ...(opts.metric === "steps" && opts.heartRate ? { heartRate: opts.heartRate } : {}),
  }).filter((g) => g.end > from && g.start < to && (!opts.only || opts.only(g)));
  const fillable = (g: ClassifiedGap) => g.kind === "dropout" && observed;
  const out = emptyResult(series);
  const input: MethodInput = {
    values,
    start: series.start,
    stepMs: series.stepMs,
    metric: opts.metric,
    ...(opts.metric === "heart_rate" && opts.steps ? { activity: opts.steps } : {}),
  };
  const prepared = new Map<MethodName, PreparedImputer>();
  const prepare = async (name: MethodName): Promise<PreparedImputer> => {
    let imp = prepared.get(name);
    if (!imp) {
      // The combination reuses the prepared seasonal model (one profile, one model choice).
      imp = name === "seasonal+linear" ? combineSeasonalLinear(await prepare("seasonal"), await prepare("linear")) : await imputerFor(name, opts.arimaPool).prepare(input);
      prepared.set(name, imp);
    }
    return imp;
  };
  const calibrations = new Map<string, BucketCalibration | undefined>();
  const seed = opts.seed ?? n;
  const calibrated = async (name: MethodName, len: number) => calibrationFor(calibrations, await prepare(name), name, len, values, seed);
  const gaps: FilledGap[] = [];
  let pointsImputed = 0;
  for (const g of classified) {
    if (!fillable(g)) {
      gaps.push(g);
      continue;
    }
    const len = gapLength(g);
    const method = opts.method === "auto" ? await chooseAuto(opts.metric, len, opts.calibrate !== false ? calibrated : undefined) : opts.method;
    const gap: FilledGap = { ...g, method };
    gaps.push(gap);
    const est = await (await prepare(method)).estimate(values, gap);
    const cal = opts.calibrate === false ? gaussian() : await calibrated(method, len);
    const written = writeGap(out, gap, est, cal, opts.metric);
    // Only points inside the fill range count; the rest is context.
    const inRange = Math.max(0, Math.min(gap.end, to) - Math.max(gap.start, from));
    pointsImputed += Math.min(written, inRange);
  }
  const counts: ImputeCounts = {
    gapsFound: gaps.length,
    gapsFilled: gaps.filter((g) => g.method).length,
    gapsSkippedNonWear: gaps.filter((g) => g.kind === "non-wear").length,
    gapsSkippedTooLong: gaps.filter((g) => g.kind !== "non-wear" && !g.method).length,
    pointsImputed,
  };
  return { ...out, gaps, counts };
}

function gaussian(): BucketCalibration {
  return { length: 0, qLow: -Z90, qMid: 0, qHigh: Z90, mae: NaN, points: 0 };
}

async function chooseAuto(
  metric: Metric,
  len: number,
  calibrated: ((name: MethodName, len: number) => Promise<BucketCalibration | undefined>) | undefined,
): Promise<MethodName> {
  if (!calibrated) return autoDefault(metric, len);
  let best: MethodName | undefined;
  let bestMae = Infinity;
  for (const name of autoCandidates(metric, len)) {
    const cal = await calibrated(name, len);
    // A more complex candidate must beat the simpler one by a clear margin,
    // not by the noise of a few dozen held-out blocks.
    if (cal && cal.mae < bestMae * (best ? 1 - AUTO_MARGIN : 1)) {
      bestMae = cal.mae;
      best = name;
    }
  }
  return best ?? autoDefault(metric, len);
}

// eslint-disable-next-line max-params -- a cache lookup keyed by all of these
async function calibrationFor(
  cache: Map<string, BucketCalibration | undefined>,
  imp: PreparedImputer,
  name: MethodName,
  len: number,
  values: Float64Array,
  seed: number,
): Promise<BucketCalibration | undefined> {
  const b = bucketOf(len);
  const key = `${name}:${b}`;
  if (!cache.has(key)) {
    // Calibrate at the bucket's geometric centre: 1, 3, 6, 11, 23, 45, 91, 181, ...
    const rep = Math.max(1, Math.round(Math.sqrt(2 ** b * (2 ** (b + 1) - 1))));
    cache.set(key, await calibrateBucket(imp, values, rep, { seed, masks: maskBudget(name), centre: name !== "linear" && name !== "locf" }));
  }
  return cache.get(key);
}
