// `arima`: two-sided ARIMA. One model is fitted to the window before the gap
// and forecasts forward; another is fitted to the time-reversed window after
// the gap and forecasts backward. The two forecasts are blended with
// inverse-variance weights, so each side dominates near its own edge and the
// combined variance is what neither side could give alone. Fits run in the
// isolated worker (arima-pool.ts). A side whose fit fails or returns
// non-finite output is dropped; with neither side, the gap falls back to the
// linear estimate so one bad fit never loses a gap.
import type { Gap } from "../gaps.ts";
import { gapLength } from "../gaps.ts";
import { sharedArimaPool, type ArimaFit, type ArimaPool } from "../arima-pool.ts";
import { incrementVariance } from "./endpoints.ts";
import { linearEstimate } from "./linear.ts";
import type { GapEstimate, Imputer, MethodInput, PreparedImputer } from "./types.ts";

export interface ArimaOptions {
  order?: [number, number, number];
  /** Points of context each side (capped far below the WASM limit). */
  window?: number;
  /** Fewer observed points than this on a side: that side is not fitted. */
  minPoints?: number;
  pool?: ArimaPool;
}

const DEFAULTS = { order: [1, 1, 1] as [number, number, number], window: 240, minPoints: 30 };

/**
 * The observed context on one side of a gap, nearest point last. Inner holes
 * are bridged linearly (never passed to arima as NaN); the window stops at a
 * hole longer than 30 points, where the context is no longer contiguous.
 */
export function sideWindow(values: Float64Array, gap: Gap, side: "before" | "after", window: number): number[] {
  const out: number[] = [];
  const dir = side === "before" ? -1 : 1;
  let i = side === "before" ? gap.start - 1 : gap.end;
  let pendingHole = 0;
  let last = NaN;
  while (i >= 0 && i < values.length && out.length < window) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      if (Number.isNaN(last) || ++pendingHole > 30) break;
    } else {
      for (let h = 1; h <= pendingHole; h++) out.push(last + ((v - last) * h) / (pendingHole + 1));
      pendingHole = 0;
      out.push(v);
      last = v;
    }
    i += dir;
  }
  // Farthest point first, nearest last: the gap is the "future" of this series
  // (for "after" that is the time-reversed context, for the backward forecast).
  return out.reverse();
}

async function tryFit(pool: ArimaPool, series: number[], order: [number, number, number], horizon: number): Promise<ArimaFit | undefined> {
  try {
    return await pool.fit(series, { order, horizon });
  } catch {
    return undefined;
  }
}

/** Rejects forecasts that leave the plausible range of their own window (divergence). */
function plausible(fit: ArimaFit, series: number[]): boolean {
  let lo = Infinity, hi = -Infinity;
  for (const v of series) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = Math.max(hi - lo, 1);
  return fit.mean.every((m) => m >= lo - span && m <= hi + span);
}

export function blend(fwd: ArimaFit | undefined, bwd: ArimaFit | undefined, n: number): GapEstimate | undefined {
  if (!fwd && !bwd) return undefined;
  const value = new Float64Array(n);
  const sd = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Forward step k+1 from the left; backward step n-k from the right.
    const mf = fwd?.mean[k], vf = fwd?.variance[k];
    const mb = bwd?.mean[n - 1 - k], vb = bwd?.variance[n - 1 - k];
    const wf = mf !== undefined && vf !== undefined ? 1 / Math.max(vf, 1e-9) : 0;
    const wb = mb !== undefined && vb !== undefined ? 1 / Math.max(vb, 1e-9) : 0;
    value[k] = (wf * (mf ?? 0) + wb * (mb ?? 0)) / (wf + wb);
    sd[k] = Math.sqrt(1 / (wf + wb));
  }
  return { value, sd, space: "identity" };
}

export function makeArima(opts: ArimaOptions = {}): Imputer {
  const order = opts.order ?? DEFAULTS.order;
  const window = opts.window ?? DEFAULTS.window;
  const minPoints = opts.minPoints ?? DEFAULTS.minPoints;
  return {
    name: "arima",
    async prepare(input: MethodInput): Promise<PreparedImputer> {
      const pool = opts.pool ?? sharedArimaPool();
      const q = incrementVariance(input.values);
      return {
        async estimate(values: Float64Array, gap: Gap): Promise<GapEstimate> {
          const n = gapLength(gap);
          const before = sideWindow(values, gap, "before", window);
          const after = sideWindow(values, gap, "after", window);
          let fwd = before.length >= minPoints ? await tryFit(pool, before, order, n) : undefined;
          let bwd = after.length >= minPoints ? await tryFit(pool, after, order, n) : undefined;
          if (fwd && !plausible(fwd, before)) fwd = undefined;
          if (bwd && !plausible(bwd, after)) bwd = undefined;
          return blend(fwd, bwd, n) ?? linearEstimate(values, gap, q);
        },
      };
    },
  };
}

export const arima: Imputer = makeArima();
