// The demo cohort and the ground truth behind it. Ground truth is computed
// from the same plans and samples the source serves, so a test or dashboard
// can assert e.g. "participant p002 has exactly these non-wear days".
import { addDays, assertTimeZone } from "./civil-time.ts";
import { generateDay } from "./generate.ts";
import { createParticipant, dayPlan, lastSyncAt, MINUTE, nightPlan } from "./plan.ts";
import type { SyntheticProfile } from "./profiles.ts";
import { validateSyntheticOptions } from "./synthetic-source.ts";

export interface CohortMember {
  participantId: string;
  seed: number;
  profile: SyntheticProfile;
  timeZone: string;
}

/** Ten slots repeated: 4 compliant, 2 struggling and one of each other profile per ten participants. */
const COHORT_PATTERN: SyntheticProfile[] = [
  "compliant",
  "struggling",
  "compliant",
  "dropout-prone",
  "late-syncer",
  "compliant",
  "nonwear-nights",
  "no-sync",
  "compliant",
  "struggling",
];

export interface CohortOptions {
  /** Seed of the first participant; the i-th gets baseSeed + i. Default 1000. */
  baseSeed?: number;
  /** Default "UTC". */
  timeZone?: string;
  /** Participant id prefix; ids are prefix + 3-digit number ("p001"). Default "p". */
  prefix?: string;
}

export function defaultCohort(n = 20, opts: CohortOptions = {}): CohortMember[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n: ${n} is not a positive integer participant count`);
  const timeZone = opts.timeZone ?? "UTC";
  assertTimeZone(timeZone);
  const baseSeed = opts.baseSeed ?? 1000;
  return Array.from({ length: n }, (_, i) => ({
    participantId: `${opts.prefix ?? "p"}${String(i + 1).padStart(3, "0")}`,
    seed: baseSeed + i,
    profile: COHORT_PATTERN[i % COHORT_PATTERN.length]!,
    timeZone,
  }));
}

export interface GroundTruthDay {
  /** Local date in the participant's time zone. */
  date: string;
  /** The watch was off the wrist the whole day: no heart rate at all, zero steps. */
  nonWear: boolean;
  /** Minutes of the local day with at least one heart-rate sample (the wear signal). */
  heartRateMinutes: number;
  /** heartRateMinutes >= validDayMinutes (default 600). */
  validDay: boolean;
  steps: number;
  /** Type of the main sleep that ended on this day (the night before), null when none was recorded. */
  mainSleep: "STAGES" | "CLASSIC" | null;
}

export interface GroundTruthParticipant {
  participantId?: string;
  seed: number;
  profile: SyntheticProfile | string;
  timeZone?: string;
}

/**
 * Per local day in [fromDate, toDate) (YYYY-MM-DD, end exclusive), what the
 * watch recorded — independent of syncing (see lastSyncAtFor for that).
 */
export function groundTruthDays(who: GroundTruthParticipant, fromDate: string, toDate: string, validDayMinutes = 600): GroundTruthDay[] {
  const profile = validateSyntheticOptions({ participantId: who.participantId ?? "ground-truth", ...who });
  const p = createParticipant(who.participantId ?? "ground-truth", who.seed, profile, who.timeZone ?? "UTC");
  const out: GroundTruthDay[] = [];
  for (let date = fromDate; date < toDate; date = addDays(date, 1)) {
    const series = generateDay(p, date);
    const minutes = new Set(series.heartRate.times.map((t) => Math.floor(t / MINUTE)));
    const previousNight = nightPlan(p, addDays(date, -1));
    out.push({
      date,
      nonWear: dayPlan(p, date).nonWear,
      heartRateMinutes: minutes.size,
      validDay: minutes.size >= validDayMinutes,
      steps: series.steps.values.reduce((a, b) => a + b, 0),
      mainSleep: previousNight.worn ? previousNight.type : null,
    });
  }
  return out;
}

/** Local dates in [fromDate, toDate) on which the watch was never worn. */
export function groundTruthNonWearDays(who: GroundTruthParticipant, fromDate: string, toDate: string): string[] {
  const profile = validateSyntheticOptions({ participantId: who.participantId ?? "ground-truth", ...who });
  const p = createParticipant(who.participantId ?? "ground-truth", who.seed, profile, who.timeZone ?? "UTC");
  const out: string[] = [];
  for (let date = fromDate; date < toDate; date = addDays(date, 1)) if (dayPlan(p, date).nonWear) out.push(date);
  return out;
}

/** When the participant's phone last synced at or before `now` (what a "days since last sync" panel shows). */
export function lastSyncAtFor(who: GroundTruthParticipant, now: Date): Date | null {
  const profile = validateSyntheticOptions({ participantId: who.participantId ?? "ground-truth", ...who });
  const t = lastSyncAt(createParticipant(who.participantId ?? "ground-truth", who.seed, profile, who.timeZone ?? "UTC"), now.getTime());
  return t === null ? null : new Date(t);
}
