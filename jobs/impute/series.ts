// The regular grid every imputation method works on. Raw samples arrive at
// irregular times (heart rate every 1–15 s, steps once a minute); methods
// need one value per grid step, with NaN marking a missing step.

export const MINUTE_MS = 60_000;

export interface Sample {
  /** Epoch milliseconds. */
  ts: number;
  value: number;
}

export interface GridSeries {
  /** Epoch ms of the first grid point. */
  start: number;
  /** Grid spacing in ms. */
  stepMs: number;
  /** One value per grid point; NaN = missing. */
  values: Float64Array;
}

/** Floors a timestamp onto the grid that is aligned to the epoch. */
export function alignDown(ts: number, stepMs: number): number {
  return Math.floor(ts / stepMs) * stepMs;
}

export interface ResampleOptions {
  stepMs: number;
  /** Force the grid to start here (aligned down); default: first sample. */
  from?: number;
  /** Exclusive end; default: just after the last sample. */
  to?: number;
  /** How samples in one bucket combine: heart rate averages, step counts add up. */
  aggregate?: "mean" | "sum";
}

/**
 * Buckets samples onto the grid: mean (or sum) per bucket, NaN where a bucket
 * has no sample. Samples outside [from, to) are ignored.
 */
export function resample(samples: readonly Sample[], opts: ResampleOptions): GridSeries {
  const { stepMs } = opts;
  if (!(stepMs > 0)) throw new RangeError(`grid step must be positive, got ${stepMs}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of samples) {
    if (s.ts < lo) lo = s.ts;
    if (s.ts > hi) hi = s.ts;
  }
  const start = alignDown(opts.from ?? (Number.isFinite(lo) ? lo : 0), stepMs);
  const end = opts.to ?? (Number.isFinite(hi) ? alignDown(hi, stepMs) + stepMs : start);
  const n = Math.max(0, Math.ceil((end - start) / stepMs));
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    const i = Math.floor((s.ts - start) / stepMs);
    if (i < 0 || i >= n) continue;
    sum[i]! += s.value;
    count[i]! += 1;
  }
  const values = new Float64Array(n);
  const mean = opts.aggregate !== "sum";
  for (let i = 0; i < n; i++) values[i] = count[i] ? (mean ? sum[i]! / count[i]! : sum[i]!) : NaN;
  return { start, stepMs, values };
}

export function timeAt(series: GridSeries, i: number): number {
  return series.start + i * series.stepMs;
}

/** Index of ts on the grid (may be out of range). */
export function indexOf(series: GridSeries, ts: number): number {
  return Math.floor((ts - series.start) / series.stepMs);
}

export function countObserved(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
  return n;
}
