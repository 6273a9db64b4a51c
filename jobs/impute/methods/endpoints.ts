// Helpers shared by endpoint methods: where the observed neighbours of a gap
// are, and how rough the series is (for random-walk style uncertainty).
import type { Gap } from "../gaps.ts";

export interface Endpoints {
  /** Last observed value before the gap, if any. */
  left?: number;
  /** First observed value after the gap, if any. */
  right?: number;
}

export function endpoints(values: Float64Array, gap: Gap): Endpoints {
  const e: Endpoints = {};
  const l = gap.start - 1;
  const r = gap.end;
  if (l >= 0 && !Number.isNaN(values[l]!)) e.left = values[l]!;
  if (r < values.length && !Number.isNaN(values[r]!)) e.right = values[r]!;
  return e;
}

/**
 * Variance of one-step changes between adjacent observed points: the
 * random-walk increment variance that gives linear interpolation and LOCF an
 * uncertainty in the metric's own units. Uses a robust (MAD) estimate so a
 * few artifacts do not inflate it.
 */
export function incrementVariance(values: Float64Array): number {
  const diffs: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1]!;
    const b = values[i]!;
    if (!Number.isNaN(a) && !Number.isNaN(b)) diffs.push(b - a);
  }
  if (diffs.length < 3) return 1;
  const mad = median(diffs.map(Math.abs));
  const sd = 1.4826 * mad;
  return Math.max(sd * sd, 1e-6);
}

export function median(a: number[]): number {
  if (a.length === 0) return NaN;
  const s = Float64Array.from(a).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
