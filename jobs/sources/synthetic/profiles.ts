// Participant behaviour profiles for the synthetic source. Each profile is a
// set of probabilities; the generator draws every day and night from them
// with the participant's seed, so a profile shapes a participant's data
// without scripting exact days.

export const PROFILE_NAMES = ["compliant", "nonwear-nights", "struggling", "dropout-prone", "late-syncer", "no-sync"] as const;
export type SyntheticProfile = (typeof PROFILE_NAMES)[number];

export interface ProfileParams {
  description: string;
  /** Chance that a whole local day is off-wrist (watch left on the charger / in a drawer). */
  nonWearDayChance: number;
  /** Chance that a multi-day off-wrist streak starts on a day, and its length in days. */
  nonWearStreak: { startChance: number; minDays: number; maxDays: number };
  /** Chance that the watch comes off for the night (no main sleep, no SpO2/HRV). */
  nightOffWristChance: number;
  /** Chance of a long daytime removal (hours), which can push a day below 600 worn minutes. */
  longRemoval: { chance: number; minMinutes: number; maxMinutes: number };
  /** Short sensor dropouts (HR missing while worn, steps continue) per day. */
  dropoutsPerDay: [number, number];
  /** Walks / workouts per day; each raises HR and steps together. */
  boutsPerDay: [number, number];
  /** Chance a bout is a run rather than a walk. */
  runChance: number;
  /** Chance a worn night is CLASSIC (insufficient HR for stages). */
  classicChance: number;
  /** Chance of an afternoon nap (a non-main sleep session). */
  napChance: number;
  /**
   * continuous: the phone syncs every 15–60 min;
   * every-few-days: one sync in each block of 3 days (gaps of 1–5 days, so data arrives late);
   * stopped: syncs continuously until 3–5 days before `now`, then never.
   */
  sync: "continuous" | "every-few-days" | "stopped";
}

export const PROFILES: Record<SyntheticProfile, ProfileParams> = {
  compliant: {
    description: "Wears the watch day and night; only charging and showers interrupt wear; syncs continuously",
    nonWearDayChance: 0,
    nonWearStreak: { startChance: 0, minDays: 0, maxDays: 0 },
    nightOffWristChance: 0.03,
    longRemoval: { chance: 0, minMinutes: 0, maxMinutes: 0 },
    dropoutsPerDay: [1, 4],
    boutsPerDay: [2, 4],
    runChance: 0.25,
    classicChance: 0.03,
    napChance: 0.08,
    sync: "continuous",
  },
  "nonwear-nights": {
    description: "Wears the watch all day but usually takes it off for the night: valid days, mostly no main sleep",
    nonWearDayChance: 0,
    nonWearStreak: { startChance: 0, minDays: 0, maxDays: 0 },
    nightOffWristChance: 0.8,
    longRemoval: { chance: 0, minMinutes: 0, maxMinutes: 0 },
    dropoutsPerDay: [1, 4],
    boutsPerDay: [1, 3],
    runChance: 0.15,
    classicChance: 0.1,
    napChance: 0,
    sync: "continuous",
  },
  struggling: {
    description: "Forgets the watch on some days, takes it off for hours, low activity, often CLASSIC sleep",
    nonWearDayChance: 0.2,
    nonWearStreak: { startChance: 0, minDays: 0, maxDays: 0 },
    nightOffWristChance: 0.3,
    longRemoval: { chance: 0.5, minMinutes: 240, maxMinutes: 720 },
    dropoutsPerDay: [3, 8],
    boutsPerDay: [0, 1],
    runChance: 0,
    classicChance: 0.45,
    napChance: 0.1,
    sync: "continuous",
  },
  "dropout-prone": {
    description: "Abandons the watch for streaks of 2–4 days; a loose band causes many sensor dropouts",
    nonWearDayChance: 0.05,
    nonWearStreak: { startChance: 0.15, minDays: 2, maxDays: 4 },
    nightOffWristChance: 0.2,
    longRemoval: { chance: 0.2, minMinutes: 120, maxMinutes: 360 },
    dropoutsPerDay: [6, 14],
    boutsPerDay: [1, 2],
    runChance: 0.1,
    classicChance: 0.2,
    napChance: 0.05,
    sync: "continuous",
  },
  "late-syncer": {
    description: "Compliant wear, but opens the app only every few days: data shows up 1–5 days late",
    nonWearDayChance: 0,
    nonWearStreak: { startChance: 0, minDays: 0, maxDays: 0 },
    nightOffWristChance: 0.05,
    longRemoval: { chance: 0, minMinutes: 0, maxMinutes: 0 },
    dropoutsPerDay: [1, 4],
    boutsPerDay: [1, 3],
    runChance: 0.2,
    classicChance: 0.05,
    napChance: 0.05,
    sync: "every-few-days",
  },
  "no-sync": {
    description: "Compliant wear, but the phone stopped syncing 3–5 days before now: the latest days are missing",
    nonWearDayChance: 0,
    nonWearStreak: { startChance: 0, minDays: 0, maxDays: 0 },
    nightOffWristChance: 0.05,
    longRemoval: { chance: 0, minMinutes: 0, maxMinutes: 0 },
    dropoutsPerDay: [1, 4],
    boutsPerDay: [1, 3],
    runChance: 0.2,
    classicChance: 0.05,
    napChance: 0.05,
    sync: "stopped",
  },
};

export function isProfileName(name: string): name is SyntheticProfile {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}
