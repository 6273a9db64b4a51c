// Turns a participant's plans into samples. Heart rate follows a circadian
// curve, drops in sleep by stage and rises with activity bouts (which also
// drive steps); it is sampled every 1–15 s while worn (1–5 s when active),
// and missing when the watch is off the wrist or the sensor drops out.
// Steps exist for every minute of the day (zero when off-wrist or asleep).
import { addDays } from "./civil-time.ts";
import { dayPlan, MINUTE, nightPlan, type Interval, type Participant, type StagePlan } from "./plan.ts";
import { createRng } from "./prng.ts";

export interface Series {
  times: number[];
  values: number[];
}

export interface DaySeries {
  heartRate: Series;
  steps: Series;
}

const AWAKE = 0;
const SLEEP = 1;
const OFF = 2;
const STAGE_HR: Record<string, number> = { LIGHT: 0, ASLEEP: 0, DEEP: -4, REM: 5, AWAKE: 8, RESTLESS: 4 };

interface MinuteGrid {
  start: number;
  state: Uint8Array;
  dropout: Uint8Array;
  intensity: Float32Array;
  /** HR offset during sleep, by stage. */
  sleepOffset: Int8Array;
}

function paint(grid: MinuteGrid, iv: Interval, f: (i: number) => void): void {
  const n = grid.state.length;
  const from = Math.max(0, Math.floor((iv.start - grid.start) / MINUTE));
  const to = Math.min(n, Math.ceil((iv.end - grid.start) / MINUTE));
  for (let i = from; i < to; i++) f(i);
}

function paintSleep(grid: MinuteGrid, stages: StagePlan[]): void {
  for (const s of stages) {
    paint(grid, s, (i) => {
      grid.state[i] = SLEEP;
      grid.sleepOffset[i] = STAGE_HR[s.type] ?? 0;
    });
  }
}

/** What the watch experienced in each minute of the local day. */
export function minuteGrid(p: Participant, date: string): MinuteGrid {
  const plan = dayPlan(p, date);
  const n = Math.round((plan.clock.end - plan.clock.start) / MINUTE);
  const grid: MinuteGrid = {
    start: plan.clock.start,
    state: new Uint8Array(n),
    dropout: new Uint8Array(n),
    intensity: new Float32Array(n),
    sleepOffset: new Int8Array(n),
  };
  const nights = [nightPlan(p, addDays(date, -1)), nightPlan(p, date)];
  for (const night of nights) if (night.worn) paintSleep(grid, night.stages);
  if (plan.nap) paintSleep(grid, plan.nap.stages);
  for (const b of plan.bouts) paint(grid, b, (i) => {
    if (grid.state[i] === AWAKE) grid.intensity[i] = b.intensity;
  });
  const off = [...plan.offWrist, ...nights.flatMap((nt) => (nt.offWrist ? [nt.offWrist] : []))];
  for (const iv of off) paint(grid, iv, (i) => {
    grid.state[i] = OFF;
    grid.intensity[i] = 0;
  });
  for (const d of plan.dropouts) paint(grid, d, (i) => {
    if (grid.state[i] !== OFF) grid.dropout[i] = 1;
  });
  return grid;
}

function heartRate(p: Participant, date: string, grid: MinuteGrid): Series {
  const plan = dayPlan(p, date);
  const r = createRng(p.seed, p.profile, "hr", date);
  const rest = p.traits.restingHr + r.normal() * 1.5;
  const target = (i: number, t: number) => {
    if (grid.state[i] === SLEEP) return rest - 3 + grid.sleepOffset[i]!;
    const h = plan.clock.localHour(t);
    return rest + 10 + 6 * Math.sin((2 * Math.PI * (h - 9)) / 24) + 85 * grid.intensity[i]!;
  };
  const out: Series = { times: [], values: [] };
  const end = plan.clock.end;
  let t = grid.start + r.int(0, 4) * 1000;
  let hr = 0;
  let last = -Infinity;
  while (t < end) {
    const i = Math.floor((t - grid.start) / MINUTE);
    if (grid.state[i] === OFF || grid.dropout[i] === 1) {
      t = grid.start + (i + 1) * MINUTE + r.int(0, 3) * 1000;
      last = -Infinity;
      continue;
    }
    const goal = target(i, t);
    // First-order lag (tau 45 s): HR climbs into a bout and recovers after it.
    hr = last === -Infinity ? goal + r.normal() * 2 : hr + (goal - hr) * (1 - Math.exp(-(t - last) / 45_000)) + r.normal() * 0.8;
    last = t;
    out.times.push(t);
    out.values.push(Math.round(Math.min(205, Math.max(38, hr + r.normal()))));
    t += (grid.intensity[i]! > 0.3 ? r.int(1, 5) : r.int(5, 15)) * 1000;
  }
  return out;
}

function steps(p: Participant, date: string, grid: MinuteGrid): Series {
  const plan = dayPlan(p, date);
  const r = createRng(p.seed, p.profile, "steps", date);
  const out: Series = { times: [], values: [] };
  for (let i = 0; i < grid.state.length; i++) {
    const t = grid.start + i * MINUTE;
    const noise = r.normal();
    const light = r.next();
    const lightSteps = r.int(1, 20);
    let v = 0;
    if (grid.state[i] === AWAKE) {
      const h = plan.clock.localHour(t);
      if (grid.intensity[i]! > 0) v = Math.round(70 + 100 * grid.intensity[i]! + noise * 6);
      else if (h >= 7 && h < 22 && light < 0.2) v = lightSteps;
    }
    out.times.push(t);
    out.values.push(Math.max(0, v));
  }
  return out;
}

export function generateDay(p: Participant, date: string): DaySeries {
  const grid = minuteGrid(p, date);
  return { heartRate: heartRate(p, date, grid), steps: steps(p, date, grid) };
}

/** SpO2 each minute and HRV (RMSSD) every 5 minutes while asleep in a worn STAGES main sleep. */
export function nightVitals(p: Participant, date: string): { spo2: Series; hrv: Series } {
  const night = nightPlan(p, date);
  const spo2: Series = { times: [], values: [] };
  const hrv: Series = { times: [], values: [] };
  if (!night.worn || night.type !== "STAGES") return { spo2, hrv };
  const r = createRng(p.seed, p.profile, "night-vitals", date);
  let k = 0;
  for (const s of night.stages) {
    if (s.type === "AWAKE") continue;
    for (let t = s.start; t < s.end; t += MINUTE, k++) {
      const dip = r.chance(0.02) ? r.range(2, 5) : 0;
      spo2.times.push(t);
      spo2.values.push(Math.round(Math.min(100, Math.max(86, 96.5 + r.normal() * 1 - dip)) * 10) / 10);
      if (k % 5 === 0) {
        hrv.times.push(t);
        hrv.values.push(Math.round(p.traits.hrvMs * Math.exp(r.normal() * 0.2) * 10) / 10);
      }
    }
  }
  return { spo2, hrv };
}

/** Resting HR of a local day, or null when the watch was worn less than 5 h that day. */
export function restingHeartRate(p: Participant, date: string): number | null {
  const grid = minuteGrid(p, date);
  let worn = 0;
  for (let i = 0; i < grid.state.length; i++) if (grid.state[i] !== OFF) worn++;
  if (worn < 300) return null;
  return Math.round(p.traits.restingHr + createRng(p.seed, p.profile, "rhr", date).normal() * 1.5);
}
