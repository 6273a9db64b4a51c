// Residual model for the seasonal method: the deviation from the profile is
// the sum of a fast and a slow AR(1) process plus white measurement noise
// (heart rate has minute-scale activity bursts on top of hour-scale states).
// Parameters come from the residual autocovariance; gaps are filled with a
// Kalman filter + RTS smoother over the gap and its context on both sides, so
// a short gap is interpolated and a long one relaxes towards the profile.
// This is the structural-model idea behind R imputeTS na_kalman.

export interface ResidualModel {
  phi1: number;
  phi2: number;
  /** Stationary variances of the fast and slow components. */
  a1: number;
  a2: number;
  /** Measurement noise variance. */
  r: number;
}

const LAGS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 45, 60, 90, 120, 180, 240];
const FAST_TAU = [1, 2, 3, 5, 8, 13];
const SLOW_TAU = [20, 30, 45, 60, 90, 120, 180, 240, 360, 600];

/** Autocovariance at the given lags over pairs where both points are observed. */
export function autocovariance(e: Float64Array, lags: readonly number[]): { g0: number; g: number[] } {
  let s = 0;
  let n = 0;
  for (let i = 0; i < e.length; i++) {
    if (!Number.isNaN(e[i]!)) {
      s += e[i]!;
      n++;
    }
  }
  const m = n ? s / n : 0;
  let g0 = 0;
  for (let i = 0; i < e.length; i++) if (!Number.isNaN(e[i]!)) g0 += (e[i]! - m) ** 2;
  g0 = n ? g0 / n : 0;
  const g = lags.map((k) => {
    let acc = 0;
    let c = 0;
    for (let i = 0; i + k < e.length; i++) {
      const a = e[i]!;
      const b = e[i + k]!;
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      acc += (a - m) * (b - m);
      c++;
    }
    return c > 10 ? acc / c : NaN;
  });
  return { g0, g };
}

/** Least-squares fit of g(k) ≈ a1·φ1^k + a2·φ2^k over a grid of time constants (minutes). */
export function fitResidualModel(e: Float64Array, stepMinutes = 1): ResidualModel {
  const { g0, g } = autocovariance(winsorize(e), LAGS);
  const fallback: ResidualModel = { phi1: Math.exp(-1 / 3), phi2: Math.exp(-1 / 60), a1: g0 * 0.3, a2: g0 * 0.5, r: g0 * 0.2 };
  if (!(g0 > 0)) return { ...fallback, a1: 1e-6, a2: 1e-6, r: 1e-6 };
  const pts = LAGS.map((k, i) => ({ k, y: g[i]! })).filter((p) => Number.isFinite(p.y));
  if (pts.length < 4) return fallback;
  let best: ResidualModel = fallback;
  let bestSse = Infinity;
  for (const t1 of FAST_TAU) {
    for (const t2 of SLOW_TAU) {
      const p1 = Math.exp(-stepMinutes / t1);
      const p2 = Math.exp(-stepMinutes / t2);
      const fit = nnls2(pts, p1, p2);
      if (fit.sse < bestSse) {
        bestSse = fit.sse;
        best = { phi1: p1, phi2: p2, a1: fit.a1, a2: fit.a2, r: 0 };
      }
    }
  }
  // Whatever the two components do not explain at lag 0 is measurement noise.
  const explained = best.a1 + best.a2;
  const cap = 0.98 * g0;
  if (explained > cap) {
    best.a1 *= cap / explained;
    best.a2 *= cap / explained;
  }
  best.r = Math.max(g0 - best.a1 - best.a2, 0.02 * g0);
  best.a1 = Math.max(best.a1, 1e-6 * g0);
  best.a2 = Math.max(best.a2, 1e-6 * g0);
  return best;
}

/**
 * Clips residuals to median ± 4 robust SDs: sensor artifacts (3 or 240 bpm)
 * would otherwise pass for "measurement noise" and make the smoother ignore
 * the points next to a gap.
 */
export function winsorize(e: Float64Array): Float64Array {
  const obs: number[] = [];
  for (const v of e) if (!Number.isNaN(v)) obs.push(v);
  if (obs.length < 10) return e;
  const sorted = Float64Array.from(obs).sort();
  const med = sorted[sorted.length >> 1]!;
  const dev = Float64Array.from(obs, (v) => Math.abs(v - med)).sort();
  const mad = 1.4826 * dev[dev.length >> 1]!;
  if (!(mad > 0)) return e;
  const lo = med - 4 * mad, hi = med + 4 * mad;
  return e.map((v) => (Number.isNaN(v) ? v : Math.min(hi, Math.max(lo, v))));
}

function nnls2(pts: { k: number; y: number }[], p1: number, p2: number): { a1: number; a2: number; sse: number } {
  let s11 = 0, s12 = 0, s22 = 0, b1 = 0, b2 = 0;
  const xs = pts.map(({ k, y }) => ({ x1: p1 ** k, x2: p2 ** k, y }));
  for (const { x1, x2, y } of xs) {
    s11 += x1 * x1;
    s12 += x1 * x2;
    s22 += x2 * x2;
    b1 += x1 * y;
    b2 += x2 * y;
  }
  const det = s11 * s22 - s12 * s12;
  const cands: [number, number][] = [];
  if (Math.abs(det) > 1e-12) {
    const a1 = (b1 * s22 - b2 * s12) / det;
    const a2 = (b2 * s11 - b1 * s12) / det;
    if (a1 >= 0 && a2 >= 0) cands.push([a1, a2]);
  }
  cands.push([Math.max(0, b1 / s11), 0], [0, Math.max(0, b2 / s22)]);
  let best = { a1: 0, a2: 0, sse: Infinity };
  for (const [a1, a2] of cands) {
    let sse = 0;
    for (const { x1, x2, y } of xs) sse += (y - a1 * x1 - a2 * x2) ** 2;
    if (sse < best.sse) best = { a1, a2, sse };
  }
  return best;
}

export interface SmoothResult {
  /** Smoothed mean of the residual (without measurement noise) for each index of [from, to). */
  mean: Float64Array;
  /** Predictive variance of an observation at each index (state variance + noise). */
  variance: Float64Array;
}

/**
 * Kalman filter + RTS smoother over e[w0, w1), returning estimates for
 * [from, to) ⊂ [w0, w1). NaN observations are simply not used.
 */
export function smoothResidual(e: Float64Array, m: ResidualModel, w0: number, w1: number, from: number, to: number): SmoothResult {
  const len = w1 - w0;
  const { phi1: f1, phi2: f2, a1, a2, r } = m;
  const q1 = a1 * (1 - f1 * f1);
  const q2 = a2 * (1 - f2 * f2);
  // Filtered and one-step predicted states (x1, x2) and covariances (p11, p12, p22).
  const xf = new Float64Array(2 * len);
  const pf = new Float64Array(3 * len);
  const xp = new Float64Array(2 * len);
  const pp = new Float64Array(3 * len);
  let x1 = 0, x2 = 0, p11 = a1, p12 = 0, p22 = a2;
  for (let t = 0; t < len; t++) {
    xp[2 * t] = x1; xp[2 * t + 1] = x2;
    pp[3 * t] = p11; pp[3 * t + 1] = p12; pp[3 * t + 2] = p22;
    const y = e[w0 + t]!;
    if (!Number.isNaN(y)) {
      const h1 = p11 + p12;
      const h2 = p12 + p22;
      const s = h1 + h2 + r;
      const k1 = h1 / s;
      const k2 = h2 / s;
      const v = y - x1 - x2;
      x1 += k1 * v;
      x2 += k2 * v;
      p11 -= k1 * h1;
      p12 -= k1 * h2;
      p22 -= k2 * h2;
    }
    xf[2 * t] = x1; xf[2 * t + 1] = x2;
    pf[3 * t] = p11; pf[3 * t + 1] = p12; pf[3 * t + 2] = p22;
    // Predict the next step.
    x1 *= f1;
    x2 *= f2;
    p11 = f1 * f1 * p11 + q1;
    p12 = f1 * f2 * p12;
    p22 = f2 * f2 * p22 + q2;
  }
  // RTS smoother backwards; keeps only what [from, to) needs.
  const mean = new Float64Array(to - from);
  const variance = new Float64Array(to - from);
  let s1 = xf[2 * (len - 1)]!, s2 = xf[2 * (len - 1) + 1]!;
  let s11 = pf[3 * (len - 1)]!, s12 = pf[3 * (len - 1) + 1]!, s22 = pf[3 * (len - 1) + 2]!;
  const record = (t: number) => {
    const i = w0 + t;
    if (i >= from && i < to) {
      mean[i - from] = s1 + s2;
      variance[i - from] = Math.max(0, s11 + 2 * s12 + s22) + r;
    }
  };
  record(len - 1);
  for (let t = len - 2; t >= 0; t--) {
    // J = Pf F' Pp(t+1)^-1 with F = diag(f1, f2).
    const n11 = pp[3 * (t + 1)]!, n12 = pp[3 * (t + 1) + 1]!, n22 = pp[3 * (t + 1) + 2]!;
    const det = n11 * n22 - n12 * n12;
    const i11 = n22 / det, i12 = -n12 / det, i22 = n11 / det;
    const c11 = pf[3 * t]!, c12 = pf[3 * t + 1]!, c22 = pf[3 * t + 2]!;
    const a11 = c11 * f1, a12 = c12 * f2, a21 = c12 * f1, a22 = c22 * f2;
    const j11 = a11 * i11 + a12 * i12;
    const j12 = a11 * i12 + a12 * i22;
    const j21 = a21 * i11 + a22 * i12;
    const j22 = a21 * i12 + a22 * i22;
    const d1 = s1 - xp[2 * (t + 1)]!;
    const d2 = s2 - xp[2 * (t + 1) + 1]!;
    const e11 = s11 - n11, e12 = s12 - n12, e22 = s22 - n22;
    s1 = xf[2 * t]! + j11 * d1 + j12 * d2;
    s2 = xf[2 * t + 1]! + j21 * d1 + j22 * d2;
    // P = C + J E J'
    const je11 = j11 * e11 + j12 * e12, je12 = j11 * e12 + j12 * e22;
    const je21 = j21 * e11 + j22 * e12, je22 = j21 * e12 + j22 * e22;
    s11 = c11 + je11 * j11 + je12 * j12;
    s12 = c12 + je11 * j21 + je12 * j22;
    s22 = c22 + je21 * j21 + je22 * j22;
    record(t);
  }
  return { mean, variance };
}
