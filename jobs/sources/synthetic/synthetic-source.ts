// A DataSource that invents a realistic participant from a seed: same seed,
// profile, time zone and `now` give identical points, however the requested
// windows are split. It only reveals data the phone had synced by `now`, so a
// late sync shows up as data appearing for past days on a later run.
import type { DataSource, RawSample, RawSleepSession, SampleMetric, TimeWindow } from "../types.ts";
import { addDays, assertTimeZone, dayClock, localDate } from "./civil-time.ts";
import { generateDay, nightVitals, restingHeartRate, type DaySeries, type Series } from "./generate.ts";
import { createParticipant, dayPlan, lastSyncAt, MINUTE, nightPlan, type Participant, type StagePlan } from "./plan.ts";
import { isProfileName, PROFILE_NAMES, type SyntheticProfile } from "./profiles.ts";

export const SYNTHETIC_SOURCE_LABEL = "synthetic";
const PAGE_SIZE = 10_000;
const HOUR = 3_600_000;

export interface SyntheticSourceOptions {
  participantId: string;
  seed: number;
  profile: SyntheticProfile | string;
  /** Reference time: only data synced by then is returned. Default: the wall clock at each call. */
  now?: Date | (() => Date);
  /** IANA zone the participant lives in (circadian rhythm, local days). Default "UTC". */
  timeZone?: string;
}

export interface SyntheticSource extends DataSource {
  readonly participantId: string;
  readonly seed: number;
  readonly profile: SyntheticProfile;
  readonly timeZone: string;
  /** The phone's last sync at or before `now` (null if none in the last 40 days). */
  lastSyncAt(): Date | null;
}

export function validateSyntheticOptions(opts: SyntheticSourceOptions): SyntheticProfile {
  if (typeof opts.participantId !== "string" || opts.participantId.trim() === "") {
    throw new Error("participantId: must be a non-empty string");
  }
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`seed: ${String(opts.seed)} is not an integer; pass e.g. --seed 42`);
  if (!isProfileName(opts.profile)) {
    throw new Error(`profile: "${opts.profile}" is not a synthetic profile; use one of ${PROFILE_NAMES.join(", ")}`);
  }
  assertTimeZone(opts.timeZone ?? "UTC");
  return opts.profile;
}

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += PAGE_SIZE) yield items.slice(i, i + PAGE_SIZE);
}

function datesBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

function toSession(id: string, stages: StagePlan[], type: string, isMain: boolean): RawSleepSession {
  const asleep = stages.filter((s) => (type === "CLASSIC" ? s.type === "ASLEEP" : s.type !== "AWAKE"));
  return {
    sessionId: id,
    startTime: new Date(stages[0]!.start).toISOString(),
    endTime: new Date(stages[stages.length - 1]!.end).toISOString(),
    type,
    isMain,
    minutesAsleep: asleep.reduce((sum, s) => sum + (s.end - s.start) / MINUTE, 0),
    stages: stages.map((s) => ({ startTime: new Date(s.start).toISOString(), endTime: new Date(s.end).toISOString(), type: s.type })),
    source: SYNTHETIC_SOURCE_LABEL,
  };
}

export function createSyntheticSource(opts: SyntheticSourceOptions): SyntheticSource {
  const profile = validateSyntheticOptions(opts);
  const timeZone = opts.timeZone ?? "UTC";
  const p: Participant = createParticipant(opts.participantId, opts.seed, profile, timeZone);
  const nowMs = () => {
    const n = typeof opts.now === "function" ? opts.now() : (opts.now ?? new Date());
    return n.getTime();
  };
  const dayCache = new Map<string, DaySeries>();
  const day = (date: string) => {
    let s = dayCache.get(date);
    if (!s) {
      s = generateDay(p, date);
      if (dayCache.size >= 16) dayCache.delete(dayCache.keys().next().value as string);
      dayCache.set(date, s);
    }
    return s;
  };

  /** The window clipped to what has synced; null when nothing in it can be visible. */
  const visibleWindow = (w: TimeWindow) => {
    const synced = lastSyncAt(p, nowMs());
    const from = w.from.getTime();
    const to = Math.min(w.to.getTime(), (synced ?? -Infinity) + 1);
    return synced === null || !(from < to) ? null : { from, to, synced };
  };

  const pick = (series: Series, from: number, to: number, visible: (t: number) => boolean): RawSample[] => {
    const out: RawSample[] = [];
    for (let i = 0; i < series.times.length; i++) {
      const t = series.times[i]!;
      if (t >= from && t < to && visible(t)) out.push({ time: new Date(t).toISOString(), value: series.values[i]!, source: SYNTHETIC_SOURCE_LABEL });
    }
    return out;
  };

  type Visible = { from: number; to: number; synced: number };
  // Generators, so a long window is produced one day at a time (bounded memory).
  function* perDay(metric: "heart_rate" | "steps", w: Visible): Generator<RawSample[]> {
    // A minute of steps is on the server once a sync happened after it ended.
    const lag = metric === "steps" ? MINUTE : 0;
    for (const date of datesBetween(localDate(w.from, timeZone), localDate(w.to - 1, timeZone))) {
      yield pick(metric === "heart_rate" ? day(date).heartRate : day(date).steps, w.from, w.to, (t) => t + lag <= w.synced);
    }
  }
  function* perNight(metric: "spo2" | "hrv", w: Visible): Generator<RawSample[]> {
    for (const date of datesBetween(addDays(localDate(w.from, timeZone), -1), localDate(w.to - 1, timeZone))) {
      const v = nightVitals(p, date);
      yield pick(metric === "spo2" ? v.spo2 : v.hrv, w.from, w.to, (t) => t <= w.synced);
    }
  }
  const restingDays = (w: Visible): RawSample[][] => {
    // Daily values: the local date at 00:00Z (the Google client maps `date` the same way).
    const out: RawSample[] = [];
    for (const date of datesBetween(new Date(w.from).toISOString().slice(0, 10), new Date(w.to - 1).toISOString().slice(0, 10))) {
      const t = Date.parse(`${date}T00:00:00Z`);
      if (t < w.from || t >= w.to || dayClock(date, timeZone).start + 12 * HOUR > w.synced) continue;
      const v = restingHeartRate(p, date);
      if (v !== null) out.push({ time: new Date(t).toISOString(), value: v, source: SYNTHETIC_SOURCE_LABEL });
    }
    return [out];
  };

  async function* samples(metric: SampleMetric, window: TimeWindow): AsyncGenerator<RawSample[]> {
    const w = visibleWindow(window);
    if (!w) return;
    let groups: Iterable<RawSample[]>;
    if (metric === "heart_rate" || metric === "steps") groups = perDay(metric, w);
    else if (metric === "spo2" || metric === "hrv") groups = perNight(metric, w);
    else if (metric === "resting_heart_rate") groups = restingDays(w);
    else throw new Error(`metric: "${String(metric)}" is not a sample metric of the synthetic source`);
    for (const g of groups) if (g.length > 0) yield* chunks(g);
  }

  /** Sessions whose END lies in the window (as Google filters sleep by sleep.interval.end_time). */
  async function* sleep(window: TimeWindow): AsyncGenerator<RawSleepSession[]> {
    const w = visibleWindow(window);
    if (!w) return;
    const out: RawSleepSession[] = [];
    const inWindow = (end: number) => end >= w.from && end < w.to && end <= w.synced;
    for (const date of datesBetween(addDays(localDate(w.from, timeZone), -1), localDate(w.to - 1, timeZone))) {
      const night = nightPlan(p, date);
      if (night.worn && inWindow(night.wake)) out.push(toSession(`${p.participantId}-sleep-${date}`, night.stages, night.type, true));
      const nap = dayPlan(p, date).nap;
      if (nap && inWindow(nap.end)) out.push(toSession(`${p.participantId}-nap-${date}`, nap.stages, "CLASSIC", false));
    }
    if (out.length > 0) yield out;
  }

  return {
    name: `synthetic:${profile}`,
    participantId: opts.participantId,
    seed: opts.seed,
    profile,
    timeZone,
    samples,
    sleep,
    lastSyncAt: () => {
      const t = lastSyncAt(p, nowMs());
      return t === null ? null : new Date(t);
    },
  };
}
