// Deterministic synthetic wearable data for tests and benchmarks: heart rate
// with a circadian baseline, activity bouts that raise it with a lag, slow and
// fast AR noise and measurement noise; minute steps that drive the bouts;
// irregular 5–15 s sampling; sensor dropouts and non-wear stretches.
import { mulberry32 } from "./random.ts";
import { MINUTE_MS, type Sample } from "./series.ts";

export interface SyntheticOptions {
  seed: number;
  days: number;
  /** Epoch ms of the first minute (aligned to a day). */
  start?: number;
  /** Resting level, bpm. */
  restHr?: number;
  /** Sensor dropouts (1–40 min) per day. */
  dropoutsPerDay?: number;
  /** Chance (0–1) of a non-wear stretch (2–6 h, device off: no HR, zero steps) each day. */
  nonWearPerDay?: number;
}

export interface SyntheticData {
  start: number;
  minutes: number;
  /** True minute heart rate (no gaps) and true steps. */
  hrTruth: Float64Array;
  stepsTruth: Float64Array;
  /** What a device would deliver: irregular HR samples and minute steps, with gaps. */
  hrSamples: Sample[];
  stepsSamples: Sample[];
  /** Index ranges [start, end) of dropouts and of non-wear. */
  dropouts: [number, number][];
  nonWear: [number, number][];
}

function gauss(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function circadian(minuteOfDay: number, rest: number): number {
  const h = minuteOfDay / 60;
  const awake = 1 / (1 + Math.exp(-(h - 7) * 2)) - 1 / (1 + Math.exp(-(h - 23) * 2));
  return rest - 6 + awake * 14 + 3 * Math.sin(((h - 15) / 24) * 2 * Math.PI) * awake;
}

export function synthesize(opts: SyntheticOptions): SyntheticData {
  const rand = mulberry32(opts.seed);
  const minutes = opts.days * 1440;
  const start = opts.start ?? Date.UTC(2024, 0, 1);
  const rest = opts.restHr ?? 60 + rand() * 15;
  const hrTruth = new Float64Array(minutes);
  const stepsTruth = new Float64Array(minutes);
  let slow = 0, fast = 0, act = 0, bout = 0;
  for (let i = 0; i < minutes; i++) {
    const mod = i % 1440;
    const awake = mod > 7 * 60 && mod < 23 * 60;
    if (bout > 0) bout--;
    else if (awake && rand() < 0.012) bout = 3 + Math.floor(rand() * 40);
    const cadence = bout > 0 ? 60 + rand() * 60 : awake && rand() < 0.1 ? rand() * 20 : 0;
    stepsTruth[i] = Math.round(cadence);
    act += (cadence - act) * 0.35;
    slow = 0.985 * slow + gauss(rand) * 0.9;
    fast = 0.7 * fast + gauss(rand) * 1.5;
    hrTruth[i] = circadian(mod, rest) + slow + fast + act * 0.3 + gauss(rand) * 1.2;
  }
  const missing = new Uint8Array(minutes);
  const dropouts: [number, number][] = [];
  const nonWear: [number, number][] = [];
  for (let d = 0; d < opts.days; d++) {
    // At most one non-wear stretch a day, with probability nonWearPerDay.
    if (rand() < (opts.nonWearPerDay ?? 0.5)) {
      const s = d * 1440 + Math.floor(rand() * 1300);
      const e = Math.min(minutes, s + 120 + Math.floor(rand() * 240));
      nonWear.push([s, e]);
      missing.fill(2, s, e);
    }
    const nd = opts.dropoutsPerDay ?? 6;
    for (let k = 0; k < nd; k++) {
      const s = d * 1440 + Math.floor(rand() * 1440);
      const len = 1 + Math.floor(rand() ** 2 * 40);
      const e = Math.min(minutes, s + len);
      if (missing.subarray(s, e).some((m) => m !== 0)) continue;
      dropouts.push([s, e]);
      missing.fill(1, s, e);
    }
  }
  const hrSamples: Sample[] = [];
  const stepsSamples: Sample[] = [];
  for (let i = 0; i < minutes; i++) {
    const t0 = start + i * MINUTE_MS;
    if (missing[i] !== 2) stepsSamples.push({ ts: t0, value: stepsTruth[i]! });
    else stepsTruth[i] = 0; // device off: zero steps
    if (missing[i]) continue;
    for (let s = rand() * 10_000; s < MINUTE_MS; s += 5_000 + rand() * 10_000) {
      hrSamples.push({ ts: t0 + Math.floor(s), value: Math.round(hrTruth[i]! + gauss(rand) * 1.5) });
    }
  }
  return { start, minutes, hrTruth, stepsTruth, hrSamples, stepsSamples, dropouts, nonWear };
}
