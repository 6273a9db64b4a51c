// The behavioural plan of one synthetic participant: per night (bed and wake
// times, whether the watch is worn, sleep stages), per day (off-wrist periods,
// sensor dropouts, activity bouts, naps) and per day the phone's sync times.
// Every plan is a pure function of (seed, profile, date), so any window can be
// generated on its own and identical data comes out however it is split.
import { addDays, dayClock, dayNumber, localDate, localToUtc, type DayClock } from "./civil-time.ts";
import { createRng, type Rng } from "./prng.ts";
import { PROFILES, type ProfileParams, type SyntheticProfile } from "./profiles.ts";

export const MINUTE = 60_000;

export interface Interval {
  start: number;
  end: number;
}
export interface StagePlan extends Interval {
  type: string;
}
export interface Bout extends Interval {
  /** 0..1: walks 0.35–0.6, runs 0.75–1. */
  intensity: number;
}

export interface NightPlan {
  /** Local date of the evening the night starts. */
  date: string;
  bed: number;
  wake: number;
  worn: boolean;
  type: "STAGES" | "CLASSIC";
  stages: StagePlan[];
  /** When the watch is not worn overnight: from shortly before bed to shortly after waking. */
  offWrist: Interval | null;
}

export interface NapPlan extends Interval {
  stages: StagePlan[];
}

export interface DayPlan {
  date: string;
  clock: DayClock;
  nonWear: boolean;
  /** Daytime removals (or the whole day); overnight removals live on the NightPlan. */
  offWrist: Interval[];
  dropouts: Interval[];
  bouts: Bout[];
  /** A recorded nap (none when the watch was off at the time). */
  nap: NapPlan | null;
}

export interface Traits {
  restingHr: number;
  hrvMs: number;
  /** no-sync profile: days before `now` when syncing stopped. */
  syncStoppedDaysAgo: number;
}

export interface Participant {
  participantId: string;
  seed: number;
  profile: SyntheticProfile;
  params: ProfileParams;
  timeZone: string;
  traits: Traits;
  nights: Map<string, NightPlan>;
  days: Map<string, DayPlan>;
  syncs: Map<string, number[]>;
}

export function createParticipant(participantId: string, seed: number, profile: SyntheticProfile, timeZone: string): Participant {
  const r = createRng(seed, "traits");
  const traits = { restingHr: r.int(54, 70), hrvMs: r.range(25, 70), syncStoppedDaysAgo: r.int(3, 5) };
  return { participantId, seed, profile, params: PROFILES[profile], timeZone, traits, nights: new Map(), days: new Map(), syncs: new Map() };
}

function remember<T>(cache: Map<string, T>, key: string, make: () => T, limit = 256): T {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
    cache.set(key, v);
  }
  return v;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const toMinute = (ms: number) => Math.round(ms / MINUTE) * MINUTE;

/** True when the watch is off the wrist for the whole local day. */
export function isNonWearDay(p: Participant, date: string): boolean {
  const { nonWearDayChance, nonWearStreak } = p.params;
  if (createRng(p.seed, p.profile, "nonwear-day", date).chance(nonWearDayChance)) return true;
  for (let k = 0; k < nonWearStreak.maxDays; k++) {
    const r = createRng(p.seed, p.profile, "nonwear-streak", addDays(date, -k));
    if (r.chance(nonWearStreak.startChance) && k < r.int(nonWearStreak.minDays, nonWearStreak.maxDays)) return true;
  }
  return false;
}

function stagedSleep(r: Rng, start: number, end: number): StagePlan[] {
  const out: StagePlan[] = [];
  let t = start;
  const push = (type: string, minutes: number) => {
    const e = Math.min(end, t + Math.max(1, Math.round(minutes)) * MINUTE);
    if (e <= t) return;
    const last = out[out.length - 1];
    if (last && last.type === type) last.end = e;
    else out.push({ start: t, end: e, type });
    t = e;
  };
  push("AWAKE", r.int(2, 15));
  while (t < end) {
    const f = (t - start) / (end - start); // deep sleep early, REM late in the night
    const cycle = r.range(80, 110);
    push("LIGHT", cycle * r.range(0.4, 0.55));
    push("DEEP", cycle * (f < 0.5 ? r.range(0.15, 0.25) : r.range(0.02, 0.08)));
    push("LIGHT", cycle * r.range(0.05, 0.15));
    push("REM", cycle * (f < 0.5 ? r.range(0.08, 0.15) : r.range(0.2, 0.3)));
    if (r.chance(0.4)) push("AWAKE", r.int(1, 5));
  }
  return out;
}

function classicSleep(r: Rng, start: number, end: number): StagePlan[] {
  const out: StagePlan[] = [];
  let t = start;
  while (t < end) {
    const roll = r.next();
    const [type, minutes] = roll < 0.75 ? ["ASLEEP", r.int(20, 70)] : roll < 0.92 ? ["RESTLESS", r.int(1, 5)] : ["AWAKE", r.int(1, 4)];
    const e = Math.min(end, t + (minutes as number) * MINUTE);
    const last = out[out.length - 1];
    if (last && last.type === type) last.end = e;
    else out.push({ start: t, end: e, type: type as string });
    t = e;
  }
  return out;
}

export function nightPlan(p: Participant, date: string): NightPlan {
  return remember(p.nights, date, () => {
    const r = createRng(p.seed, p.profile, "night", date);
    const bedMinute = clamp(22.75 * 60 + r.normal() * 40, 21 * 60, 25.5 * 60);
    const sleepMinutes = clamp(7.5 * 60 + r.normal() * 45, 5 * 60, 10 * 60);
    const bed = toMinute(localToUtc(date, bedMinute, p.timeZone));
    const wake = bed + Math.round(sleepMinutes) * MINUTE;
    const offTonight = r.chance(p.params.nightOffWristChance);
    const type = r.chance(p.params.classicChance) ? "CLASSIC" : "STAGES";
    const lead = r.int(5, 60) * MINUTE;
    const putOn = r.int(10, 45) * MINUTE;
    const stages = type === "STAGES" ? stagedSleep(r, bed, wake) : classicSleep(r, bed, wake);
    const worn = !offTonight && !isNonWearDay(p, date) && !isNonWearDay(p, addDays(date, 1));
    return { date, bed, wake, worn, type, stages, offWrist: worn ? null : { start: bed - lead, end: wake + putOn } };
  });
}

function overlaps(a: Interval, list: Interval[]): boolean {
  return list.some((b) => a.start < b.end && b.start < a.end);
}

/** A random start so that [start, start + length) fits in [lo, hi); null when it cannot. */
function placeIn(r: Rng, lo: number, hi: number, length: number): number | null {
  const u = r.next();
  if (hi - lo < length) return null;
  return toMinute(lo + u * (hi - lo - length));
}

function daytimeRemovals(p: Participant, r: Rng, awake: Interval): Interval[] {
  const out: Interval[] = [];
  const charge = r.int(30, 90) * MINUTE;
  const chargeAt = placeIn(r, awake.start + 60 * MINUTE, awake.end - 120 * MINUTE, charge);
  if (r.chance(0.9) && chargeAt !== null) out.push({ start: chargeAt, end: chargeAt + charge });
  const shower = r.int(10, 25) * MINUTE;
  const showerAt = toMinute(awake.start + r.int(10, 60) * MINUTE);
  if (r.chance(0.7)) out.push({ start: showerAt, end: showerAt + shower });
  const { chance, minMinutes, maxMinutes } = p.params.longRemoval;
  const long = r.int(minMinutes, maxMinutes) * MINUTE;
  const longAt = placeIn(r, awake.start + 30 * MINUTE, awake.end - 30 * MINUTE, long);
  if (r.chance(chance) && longAt !== null) out.push({ start: longAt, end: longAt + long });
  return out;
}

function activityBouts(p: Participant, r: Rng, awake: Interval): Bout[] {
  const out: Bout[] = [];
  const n = r.int(p.params.boutsPerDay[0], p.params.boutsPerDay[1]);
  for (let i = 0; i < n; i++) {
    const run = r.chance(p.params.runChance);
    const length = (run ? r.int(20, 60) : r.int(10, 45)) * MINUTE;
    const intensity = run ? r.range(0.75, 1) : r.range(0.35, 0.6);
    const at = placeIn(r, awake.start + 30 * MINUTE, awake.end - 60 * MINUTE, length);
    if (at !== null) out.push({ start: at, end: at + length, intensity });
  }
  return out;
}

export function dayPlan(p: Participant, date: string): DayPlan {
  return remember(p.days, date, () => {
    const clock = dayClock(date, p.timeZone);
    const r = createRng(p.seed, p.profile, "day", date);
    const nonWear = isNonWearDay(p, date);
    const awake = { start: nightPlan(p, addDays(date, -1)).wake, end: nightPlan(p, date).bed };
    const offWrist = nonWear ? [{ start: clock.start, end: clock.end }] : daytimeRemovals(p, r, awake);
    const bouts = activityBouts(p, r, awake);
    const dropouts: Interval[] = [];
    const nDropouts = r.int(p.params.dropoutsPerDay[0], p.params.dropoutsPerDay[1]);
    for (let i = 0; i < nDropouts; i++) {
      const start = toMinute(clock.start + r.next() * (clock.end - clock.start - 15 * MINUTE));
      dropouts.push({ start, end: start + r.int(1, 12) * MINUTE });
    }
    let nap: NapPlan | null = null;
    const napStart = toMinute(localToUtc(date, r.int(13 * 60 + 30, 16 * 60), p.timeZone));
    const napEnd = napStart + r.int(20, 70) * MINUTE;
    const napOn = r.chance(p.params.napChance);
    if (napOn && !nonWear && !overlaps({ start: napStart, end: napEnd }, [...offWrist, ...bouts])) {
      nap = { start: napStart, end: napEnd, stages: [{ start: napStart, end: napEnd, type: "ASLEEP" }] };
    }
    return { date, clock, nonWear, offWrist, dropouts, bouts, nap };
  });
}

/** The instants on `date` when the phone synced the watch (none on a day without sync). */
export function syncTimes(p: Participant, date: string): number[] {
  return remember(p.syncs, date, () => {
    const clock = dayClock(date, p.timeZone);
    if (p.params.sync === "every-few-days") {
      const block = Math.floor(dayNumber(date) / 3);
      const r = createRng(p.seed, p.profile, "sync-block", block);
      const day = r.int(0, 2);
      const minute = r.int(18 * 60, 23 * 60 - 1);
      return dayNumber(date) - block * 3 === day ? [localToUtc(date, minute, p.timeZone)] : [];
    }
    const r = createRng(p.seed, p.profile, "sync", date);
    const out: number[] = [];
    for (let t = clock.start + r.int(5, 60) * MINUTE; t < clock.end; t += r.int(15, 60) * MINUTE) out.push(t);
    return out;
  });
}

/**
 * The last sync at or before `now`: data recorded up to this instant is on
 * the server, later data is still on the watch. null when nothing synced
 * in the 40 days before `now`.
 */
export function lastSyncAt(p: Participant, now: number): number | null {
  let limit = now;
  if (p.params.sync === "stopped") {
    const stopDay = addDays(localDate(now, p.timeZone), -p.traits.syncStoppedDaysAgo);
    limit = Math.min(now, localToUtc(stopDay, 20 * 60, p.timeZone));
  }
  let date = localDate(limit, p.timeZone);
  for (let i = 0; i < 40; i++, date = addDays(date, -1)) {
    const times = syncTimes(p, date).filter((t) => t <= limit);
    if (times.length > 0) return times[times.length - 1]!;
  }
  return null;
}
