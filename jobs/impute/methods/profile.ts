// Per-participant circadian profile: the typical value at each time of day,
// learnt from the participant's own observed data (median per 15-minute bin,
// smoothed around the clock). It is what a long gap reverts to when the
// neighbouring observations stop being informative.
import { median } from "./endpoints.ts";

export const DAY_MS = 86_400_000;

export interface Profile {
  binMs: number;
  /** Smoothed level per bin; always finite. */
  levels: Float64Array;
  /** Level at an epoch-ms time, interpolated between bin centres. */
  at(ts: number): number;
}

export interface ProfileOptions {
  binMs?: number;
  /** Half-width of the triangular smoothing kernel, in bins. */
  smoothBins?: number;
}

function binOf(ts: number, binMs: number, nBins: number): number {
  const tod = ((ts % DAY_MS) + DAY_MS) % DAY_MS;
  return Math.min(nBins - 1, Math.floor(tod / binMs));
}

/** values are on a grid starting at `start` with `stepMs` spacing; NaN = missing. */
export function buildProfile(values: Float64Array, start: number, stepMs: number, opts: ProfileOptions = {}): Profile {
  const binMs = opts.binMs ?? 15 * 60_000;
  const nBins = Math.max(1, Math.round(DAY_MS / binMs));
  const h = opts.smoothBins ?? 4;
  const perBin: number[][] = Array.from({ length: nBins }, () => []);
  const all: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    perBin[binOf(start + i * stepMs, binMs, nBins)]!.push(v);
    all.push(v);
  }
  const overall = all.length ? median(all) : 0;
  const med = perBin.map((b) => (b.length ? median(b) : NaN));
  const smoothed = new Float64Array(nBins).fill(NaN);
  for (let b = 0; b < nBins; b++) {
    let sw = 0;
    let s = 0;
    for (let o = -h; o <= h; o++) {
      const j = (((b + o) % nBins) + nBins) % nBins;
      const m = med[j]!;
      if (Number.isNaN(m)) continue;
      // Counts cap at 30 so one very dense bin does not drown its neighbours.
      const w = (h + 1 - Math.abs(o)) * Math.min(30, perBin[j]!.length);
      sw += w;
      s += w * m;
    }
    if (sw > 0) smoothed[b] = s / sw;
  }
  const levels = fillCircular(smoothed, overall);
  return {
    binMs,
    levels,
    at(ts: number) {
      const tod = ((ts % DAY_MS) + DAY_MS) % DAY_MS;
      const pos = tod / binMs - 0.5;
      const lo = Math.floor(pos);
      const w = pos - lo;
      const a = levels[((lo % nBins) + nBins) % nBins]!;
      const b = levels[(((lo + 1) % nBins) + nBins) % nBins]!;
      return a + (b - a) * w;
    },
  };
}

/** Fills NaN bins by interpolating around the circle between defined bins. */
function fillCircular(a: Float64Array, fallback: number): Float64Array {
  const n = a.length;
  const defined: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(a[i]!)) defined.push(i);
  if (defined.length === 0) return new Float64Array(n).fill(fallback);
  const out = Float64Array.from(a);
  for (let k = 0; k < defined.length; k++) {
    const i = defined[k]!;
    const j = defined[(k + 1) % defined.length]!;
    const span = (((j - i) % n) + n) % n || n;
    for (let s = 1; s < span; s++) {
      const w = s / span;
      out[(i + s) % n] = a[i]! + (a[j]! - a[i]!) * w;
    }
  }
  return out;
}
