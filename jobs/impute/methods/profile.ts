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
  /**
   * The same profile learnt without the points in [fromTs, toTs): a hidden
   * calibration block is scored with a profile that never saw it, exactly
   * like a real gap, so held-out errors are honest even for a one-day series
   * (where the profile would otherwise contain the truth).
   */
  without(fromTs: number, toTs: number): Profile;
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

/** One day's data in one bin: its median and count, plus the points for leave-out. */
interface Cell {
  day: number;
  med: number;
  n: number;
  ts: number[];
  v: number[];
}

/** values are on a grid starting at `start` with `stepMs` spacing; NaN = missing. */
export function buildProfile(values: Float64Array, start: number, stepMs: number, opts: ProfileOptions = {}): Profile {
  const binMs = opts.binMs ?? 15 * 60_000;
  const nBins = Math.max(1, Math.round(DAY_MS / binMs));
  const h = opts.smoothBins ?? 4;
  // Group by (day, bin): the per-bin level is the median of daily medians.
  const raw = new Map<number, { ts: number[]; v: number[] }>();
  const all: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const ts = start + i * stepMs;
    const key = Math.floor(ts / DAY_MS) * nBins + binOf(ts, binMs, nBins);
    let a = raw.get(key);
    if (!a) raw.set(key, (a = { ts: [], v: [] }));
    a.ts.push(ts);
    a.v.push(v);
    all.push(v);
  }
  const cells: Cell[][] = Array.from({ length: nBins }, () => []);
  for (const [key, a] of raw) cells[key % nBins]!.push({ day: Math.floor(key / nBins), med: median(a.v), n: a.v.length, ...a });
  const overall = all.length ? median(all) : 0;
  const binStat = (b: number, cut?: [number, number]) => {
    const meds: number[] = [];
    let n = 0;
    for (const c of cells[b]!) {
      if (cut && c.ts[0]! < cut[1] && c.ts[c.ts.length - 1]! >= cut[0]) {
        const kept = c.v.filter((_, k) => c.ts[k]! < cut[0] || c.ts[k]! >= cut[1]);
        if (kept.length === 0) continue;
        meds.push(median(kept));
        n += kept.length;
      } else {
        meds.push(c.med);
        n += c.n;
      }
    }
    return { med: meds.length ? median(meds) : NaN, n };
  };
  const base = Array.from({ length: nBins }, (_, b) => binStat(b));
  const make = (stats: { med: number; n: number }[]): Profile => {
    const levels = smoothLevels(stats, h, overall);
    return {
      binMs,
      levels,
      at: (ts: number) => levelAt(levels, binMs, ts),
      without(fromTs: number, toTs: number): Profile {
        const touched = new Set<number>();
        for (let t = Math.floor(fromTs / binMs) * binMs; t < toTs && touched.size < nBins; t += binMs) touched.add(binOf(t, binMs, nBins));
        const next = base.slice();
        for (const b of touched) next[b] = binStat(b, [fromTs, toTs]);
        return make(next);
      },
    };
  };
  return make(base);
}

function smoothLevels(stats: { med: number; n: number }[], h: number, overall: number): Float64Array {
  const nBins = stats.length;
  const smoothed = new Float64Array(nBins).fill(NaN);
  for (let b = 0; b < nBins; b++) {
    let sw = 0;
    let s = 0;
    for (let o = -h; o <= h; o++) {
      const st = stats[(((b + o) % nBins) + nBins) % nBins]!;
      if (Number.isNaN(st.med)) continue;
      // Counts cap at 30 so one very dense bin does not drown its neighbours.
      const w = (h + 1 - Math.abs(o)) * Math.min(30, st.n);
      sw += w;
      s += w * st.med;
    }
    if (sw > 0) smoothed[b] = s / sw;
  }
  return fillCircular(smoothed, overall);
}

function levelAt(levels: Float64Array, binMs: number, ts: number): number {
  const nBins = levels.length;
  const tod = ((ts % DAY_MS) + DAY_MS) % DAY_MS;
  const pos = tod / binMs - 0.5;
  const lo = Math.floor(pos);
  const w = pos - lo;
  const a = levels[((lo % nBins) + nBins) % nBins]!;
  const b = levels[(((lo + 1) % nBins) + nBins) % nBins]!;
  return a + (b - a) * w;
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
