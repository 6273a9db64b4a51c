// `seasonal`: per-participant circadian profile + residual state-space model
// (fast and slow AR(1) plus noise, Kalman-smoothed across the gap), the
// approach of R imputeTS na_seadec/na_kalman. For heart rate, step counts on
// the same grid (when given) enter as an activity term: HR follows steps with
// a lag of a few minutes. Step counts themselves are modelled on the square
// root scale, where minute counts are roughly Gaussian; the back-transformed
// centre is then the predictive median, never negative.
import type { Gap } from "../gaps.ts";
import { gapLength } from "../gaps.ts";
import { bucketOf, drawMasks, toMetric } from "../calibrate.ts";
import { buildProfile, type Profile } from "./profile.ts";
import { fitResidualModel, smoothResidual, type ResidualModel } from "./state-space.ts";
import type { GapEstimate, Imputer, MethodInput, PreparedImputer } from "./types.ts";

/** Time constant (minutes) of the activity filter: HR responds to steps over a few minutes. */
const ACTIVITY_TAU_MIN = 3;

export interface SeasonalState {
  profile: Profile;
  /** Residual models to choose from: the autocovariance fit first, then slower/less smoothed variants. */
  models: ResidualModel[];
  /** Model chosen per gap-length bucket (index into models). */
  chosen: Map<number, number>;
  /** The series the method was prepared on (selection hides blocks of it). */
  values: Float64Array;
  space: "identity" | "sqrt";
  /** Regression weight of the filtered activity signal (0 when none). */
  beta: number;
  activity?: Float64Array;
  /** Context (points) each side of a gap used by the smoother. */
  context: number;
  start: number;
  stepMs: number;
}

function toModelSpace(values: Float64Array, space: "identity" | "sqrt"): Float64Array {
  if (space === "identity") return values;
  return values.map((v) => (Number.isNaN(v) ? NaN : Math.sqrt(Math.max(0, v))));
}

/** Exponentially filtered step counts; a missing minute counts as no steps. */
export function filterActivity(steps: Float64Array, stepMs: number): Float64Array {
  const alpha = 1 - Math.exp(-stepMs / 60_000 / ACTIVITY_TAU_MIN);
  const out = new Float64Array(steps.length);
  let s = 0;
  for (let i = 0; i < steps.length; i++) {
    const v = steps[i]!;
    s += alpha * ((Number.isNaN(v) ? 0 : Math.sqrt(Math.max(0, v))) - s);
    out[i] = s;
  }
  return out;
}

function fitBeta(resid: Float64Array, act: Float64Array): number {
  let sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
  for (let i = 0; i < resid.length; i++) {
    const y = resid[i]!;
    if (Number.isNaN(y)) continue;
    const x = act[i]!;
    sx += x; sy += y; sxx += x * x; sxy += x * y; n++;
  }
  if (n < 30) return 0;
  const varx = sxx / n - (sx / n) ** 2;
  if (!(varx > 1e-9)) return 0;
  const b = (sxy / n - (sx / n) * (sy / n)) / varx;
  return Number.isFinite(b) && b > 0 ? b : 0;
}

export function prepareSeasonal(input: MethodInput): SeasonalState {
  const space = input.metric === "steps" ? "sqrt" : "identity";
  const y = toModelSpace(input.values, space);
  const profile = buildProfile(y, input.start, input.stepMs);
  const resid = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) resid[i] = y[i]! - profile.at(input.start + i * input.stepMs);
  let beta = 0;
  let activity: Float64Array | undefined;
  if (input.activity && input.metric === "heart_rate") {
    activity = filterActivity(input.activity, input.stepMs);
    beta = fitBeta(resid, activity);
    if (beta > 0) for (let i = 0; i < resid.length; i++) resid[i] = resid[i]! - beta * activity[i]!;
  }
  const stepMin = input.stepMs / 60_000;
  const model = fitResidualModel(resid, stepMin);
  const models = modelVariants(model, stepMin);
  const slowTau = -stepMin / Math.log(Math.max(...models.map((m) => m.phi2)));
  // Context beyond a few hours adds cost, not accuracy: the smoother forgets it.
  const context = Math.max(30, Math.min(240, Math.round((2 * slowTau) / stepMin)));
  return { profile, models, chosen: new Map(), values: input.values, space, beta, ...(activity ? { activity } : {}), context, start: input.start, stepMs: input.stepMs };
}

/**
 * The autocovariance fit is a moment estimate over all lags; which lags
 * matter depends on the gap length. Variants with a 4x slower level and/or a
 * quarter of the measurement noise cover the usual misfits (long-memory
 * heart-rate levels, minute means that are smoother than they look), and a
 * per-bucket hold-out picks one.
 */
export function modelVariants(m: ResidualModel, stepMin: number): ResidualModel[] {
  const slower = Math.exp(Math.log(m.phi2) / 4);
  const tau = -stepMin / Math.log(slower);
  const phi2 = tau > 2880 ? Math.exp(-stepMin / 2880) : slower;
  const quiet = (x: ResidualModel): ResidualModel => ({ ...x, a1: x.a1 + 0.75 * x.r, r: 0.25 * x.r });
  return [m, { ...m, phi2 }, quiet(m), quiet({ ...m, phi2 })];
}

const SELECT_MASKS = 24;

function chooseModel(st: SeasonalState, length: number): number {
  const b = bucketOf(length);
  const known = st.chosen.get(b);
  if (known !== undefined) return known;
  const rep = Math.max(1, Math.round(Math.sqrt(2 ** b * (2 ** (b + 1) - 1))));
  const starts = drawMasks(st.values, rep, Math.max(12, Math.min(SELECT_MASKS, Math.ceil(400 / rep))), 0x5ea5 + b);
  let best = 0;
  let bestErr = Infinity;
  if (starts.length >= 4) {
    const work = Float64Array.from(st.values);
    st.models.forEach((_, idx) => {
      let err = 0;
      for (const s of starts) {
        const truth = st.values.subarray(s, s + rep);
        work.fill(NaN, s, s + rep);
        const est = estimateWith(st, idx, work, { start: s, end: s + rep });
        work.set(truth, s);
        for (let t = 0; t < rep; t++) err += Math.abs(toMetric(est.value[t]!, est.space) - truth[t]!);
      }
      if (err < bestErr - 1e-9) {
        bestErr = err;
        best = idx;
      }
    });
  }
  st.chosen.set(b, best);
  return best;
}

/** The model's centre (profile + activity) at index i, in model space. */
function centre(st: SeasonalState, profile: Profile, i: number): number {
  const base = profile.at(st.start + i * st.stepMs);
  return st.activity ? base + st.beta * st.activity[i]! : base;
}

export function seasonalEstimate(st: SeasonalState, values: Float64Array, gap: Gap): GapEstimate {
  return estimateWith(st, chooseModel(st, gapLength(gap)), values, gap);
}

// eslint-disable-next-line max-params -- internal: state, model index, data, gap
function estimateWith(st: SeasonalState, modelIndex: number, values: Float64Array, gap: Gap): GapEstimate {
  // A profile that never saw the gap's stretch (see Profile.without); a real
  // gap has no data there anyway, only a hidden calibration block needs it.
  const seen = st.values.subarray(gap.start, gap.end).some((v) => !Number.isNaN(v));
  const profile = seen ? st.profile.without(st.start + gap.start * st.stepMs, st.start + gap.end * st.stepMs) : st.profile;
  const w0 = Math.max(0, gap.start - st.context);
  const w1 = Math.min(values.length, gap.end + st.context);
  const e = new Float64Array(w1 - w0);
  for (let i = w0; i < w1; i++) {
    const v = values[i]!;
    const y = st.space === "sqrt" && !Number.isNaN(v) ? Math.sqrt(Math.max(0, v)) : v;
    e[i - w0] = y - centre(st, profile, i);
  }
  const { mean, variance } = smoothResidual(e, st.models[modelIndex]!, 0, w1 - w0, gap.start - w0, gap.end - w0);
  const n = gapLength(gap);
  const value = new Float64Array(n);
  const sd = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    value[k] = centre(st, profile, gap.start + k) + mean[k]!;
    sd[k] = Math.sqrt(variance[k]!);
  }
  return { value, sd, space: st.space };
}

export const seasonal: Imputer = {
  name: "seasonal",
  async prepare(input: MethodInput): Promise<PreparedImputer> {
    const st = prepareSeasonal(input);
    return { estimate: async (values: Float64Array, gap: Gap) => seasonalEstimate(st, values, gap) };
  },
};
