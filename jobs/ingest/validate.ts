// Pure validation of what a source delivered. Bad points are counted by
// reason (and a few kept as examples for the log) but never stored; good
// points come back normalized: absolute instants, numbers, steps on the
// minute, one point per key (a duplicate delivery replaces the earlier one).
import type { RawSample, RawSleepSession, SampleMetric } from "../sources/types.ts";

export type RejectReason =
  | "unparsable_timestamp"
  | "timestamp_without_offset"
  | "future_timestamp"
  | "unparsable_value"
  | "heart_rate_out_of_range"
  | "negative_steps"
  | "value_out_of_range"
  | "invalid_sleep_session";

/** Plausible ranges; outside them a point is a sensor or transfer error. */
export const VALUE_RANGES: Record<SampleMetric, { min: number; max: number; reason: RejectReason }> = {
  heart_rate: { min: 25, max: 250, reason: "heart_rate_out_of_range" },
  steps: { min: 0, max: Number.MAX_SAFE_INTEGER, reason: "negative_steps" },
  spo2: { min: 50, max: 100, reason: "value_out_of_range" },
  hrv: { min: 0, max: 500, reason: "value_out_of_range" },
  resting_heart_rate: { min: 25, max: 250, reason: "heart_rate_out_of_range" },
};

export interface ValidSample {
  /** Epoch milliseconds (steps: minute start). */
  ms: number;
  /** RFC 3339 text PostgreSQL parses as this same instant (the source's own text when possible). */
  time: string;
  value: number;
  source: string;
}

export interface RejectExample {
  reason: RejectReason;
  time: string;
  value: string;
}

export interface ValidationTally {
  accepted: number;
  duplicates: number;
  rejected: Partial<Record<RejectReason, number>>;
  examples: RejectExample[];
}

export const MAX_EXAMPLES = 5;
/** Clock skew we tolerate before a timestamp counts as "in the future". */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

// RFC 3339 date-time with a mandatory offset: a time without one is ambiguous
// around DST changes ("02:30" happens twice or never), so it is rejected.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const NAIVE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

export type ParsedTime = { ms: number } | { error: "unparsable_timestamp" | "timestamp_without_offset" };

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(t: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The shape nearly every point arrives in ("2026-11-20T10:00:05Z" or with
 * ".250"), parsed without a regex or allocation: this is the hot loop of an
 * ingest. Anything else returns undefined and takes the general path.
 */
function parseCanonicalUtc(t: string): number | undefined {
  const len = t.length;
  if ((len !== 20 && len !== 24) || t.charCodeAt(len - 1) !== 90 /* Z */ || t.charCodeAt(10) !== 84 /* T */) return undefined;
  if (t[4] !== "-" || t[7] !== "-" || t[13] !== ":" || t[16] !== ":" || (len === 24 && t[19] !== ".")) return undefined;
  const y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2), h = digits(t, 11, 2), mi = digits(t, 14, 2), sec = digits(t, 17, 2);
  const frac = len === 24 ? digits(t, 20, 3) : 0;
  if (y < 0 || frac < 0 || mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]! || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, sec, frac);
}

export function parseTimestamp(text: unknown): ParsedTime {
  if (typeof text !== "string") return { error: "unparsable_timestamp" };
  const fast = parseCanonicalUtc(text);
  if (fast !== undefined) return { ms: fast };
  const m = RFC3339.exec(text);
  if (!m) return { error: NAIVE.test(text) ? "timestamp_without_offset" : "unparsable_timestamp" };
  const month = +m[2]!, day = +m[3]!;
  // Date.parse rolls "02-30" over into March; check the fields ourselves.
  if (month < 1 || month > 12 || day < 1 || day > 31 || +m[4]! > 23 || +m[5]! > 59 || +m[6]! > 60) return { error: "unparsable_timestamp" };
  // Date.parse takes at most millisecond digits; finer fractions are cut (PostgreSQL keeps microseconds).
  const ms = Date.parse(m[7] && m[7].length > 4 ? text.replace(/([.]\d{3})\d+/, "$1") : text);
  if (!Number.isFinite(ms)) return { error: "unparsable_timestamp" };
  if (day > 28 && new Date(Date.UTC(+m[1]!, month - 1, day)).getUTCDate() !== day) return { error: "unparsable_timestamp" };
  return { ms };
}

export function parseValue(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string") return null;
  const n = Number(v);
  // Number("") and Number("  ") are 0: blank is not a value.
  if (n === 0 && v.trim() === "") return null;
  return Number.isFinite(n) ? n : null;
}

export function emptyTally(): ValidationTally {
  return { accepted: 0, duplicates: 0, rejected: {}, examples: [] };
}

export function rejectedCount(t: ValidationTally): number {
  return Object.values(t.rejected).reduce((a, b) => a + (b ?? 0), 0);
}

function reject(t: ValidationTally, reason: RejectReason, time: unknown, value: unknown): void {
  t.rejected[reason] = (t.rejected[reason] ?? 0) + 1;
  if (t.examples.length < MAX_EXAMPLES) t.examples.push({ reason, time: String(time).slice(0, 64), value: String(value).slice(0, 32) });
}

const MINUTE = 60_000;

/**
 * The valid points of one batch, one per (instant, device): a single
 * INSERT … ON CONFLICT may not touch a row twice. Sources deliver points in
 * time order (Google: newest first), where a duplicate is impossible, so an
 * ordered single-device run is kept in a plain array; the first point out of
 * order (or from a second device) switches to a map keyed per device.
 */
export class SampleSet {
  private rows: ValidSample[] = [];
  private direction = 0;
  private bySource: Map<string, Map<number, ValidSample>> | null = null;
  size = 0;

  /** `delivered`, when given, receives every point set, in order, repeats included (the streaming writer sends them as they come). */
  private readonly delivered: ValidSample[] | undefined;

  constructor(delivered?: ValidSample[]) {
    this.delivered = delivered;
  }

  /** Adds or replaces (the later delivery wins); returns false for a duplicate. */
  set(s: ValidSample): boolean {
    this.delivered?.push(s);
    if (this.bySource === null) {
      const last = this.rows[this.rows.length - 1];
      if (!last) {
        this.rows.push(s);
        this.size = 1;
        return true;
      }
      const step = s.ms - last.ms;
      if (s.source === last.source && step !== 0 && (this.direction === 0 || step * this.direction > 0)) {
        this.direction = Math.sign(step);
        this.rows.push(s);
        this.size++;
        return true;
      }
      this.bySource = new Map();
      for (const r of this.rows) this.put(r);
      this.rows = [];
    }
    const fresh = this.put(s);
    if (fresh) this.size++;
    return fresh;
  }

  private put(s: ValidSample): boolean {
    let m = this.bySource!.get(s.source);
    if (!m) this.bySource!.set(s.source, (m = new Map()));
    const fresh = !m.has(s.ms);
    m.set(s.ms, s);
    return fresh;
  }

  values(): ValidSample[] {
    if (this.bySource === null) return this.rows;
    const out: ValidSample[] = [];
    for (const m of this.bySource.values()) for (const v of m.values()) out.push(v);
    return out;
  }
}

/** Validates one page into `seen`, which spans the pages of one batch. */
export function validateSamples(
  metric: SampleMetric,
  page: readonly RawSample[],
  nowMs: number,
  tally: ValidationTally,
  seen: SampleSet,
): void {
  const range = VALUE_RANGES[metric];
  for (const raw of page) {
    const parsed = parseTimestamp(raw.time);
    if ("error" in parsed) {
      reject(tally, parsed.error, raw.time, raw.value);
      continue;
    }
    if (parsed.ms > nowMs + FUTURE_TOLERANCE_MS) {
      reject(tally, "future_timestamp", raw.time, raw.value);
      continue;
    }
    const value = parseValue(raw.value);
    if (value === null) {
      reject(tally, "unparsable_value", raw.time, raw.value);
      continue;
    }
    if (value < range.min || value > range.max) {
      reject(tally, range.reason, raw.time, raw.value);
      continue;
    }
    let { ms } = parsed;
    let time = raw.time;
    if (metric === "steps" && ms % MINUTE !== 0) {
      ms -= ((ms % MINUTE) + MINUTE) % MINUTE;
      time = new Date(ms).toISOString();
    }
    const source = typeof raw.source === "string" ? raw.source : "";
    if (seen.set({ ms, time, value, source })) tally.accepted++;
    else tally.duplicates++;
  }
}

export interface ValidSleepSession {
  sessionId: string;
  startMs: number;
  endMs: number;
  type: "STAGES" | "CLASSIC";
  isMain: boolean;
  minutesAsleep: number;
  source: string;
  manuallyEdited: boolean;
  stages: { startMs: number; endMs: number; stage: string }[];
}

const STAGES = new Set(["AWAKE", "LIGHT", "DEEP", "REM", "ASLEEP", "RESTLESS"]);

type Stage = ValidSleepSession["stages"][number];

/** The session's stages, one per start time; null when one is malformed. */
function parseStages(raw: RawSleepSession["stages"] | undefined): Stage[] | null {
  const stages: Stage[] = [];
  const starts = new Set<number>();
  for (const st of raw ?? []) {
    const a = parseTimestamp(st.startTime);
    const b = parseTimestamp(st.endTime);
    if ("error" in a || "error" in b || b.ms <= a.ms || !STAGES.has(st.type)) return null;
    if (starts.has(a.ms)) continue; // a repeated stage is the same stage
    starts.add(a.ms);
    stages.push({ startMs: a.ms, endMs: b.ms, stage: st.type });
  }
  return stages;
}

/** Why a session with parseable times cannot be stored, or null. */
function sleepProblem(s: RawSleepSession, startMs: number, endMs: number): string | null {
  if (typeof s.sessionId !== "string" || s.sessionId === "") return "no sessionId";
  if (endMs <= startMs) return "end before start";
  if (s.type !== "STAGES" && s.type !== "CLASSIC") return `type ${String(s.type)}`;
  const minutes = parseValue(s.minutesAsleep);
  if (minutes === null || minutes < 0 || minutes > (endMs - startMs) / MINUTE + 1) return `minutesAsleep ${String(s.minutesAsleep)}`;
  return null;
}

export function validateSleep(page: readonly RawSleepSession[], nowMs: number, tally: ValidationTally, seen: Map<string, ValidSleepSession>): void {
  for (const s of page) {
    const start = parseTimestamp(s.startTime);
    const end = parseTimestamp(s.endTime);
    if ("error" in start) { reject(tally, start.error, s.startTime, s.sessionId); continue; }
    if ("error" in end) { reject(tally, end.error, s.endTime, s.sessionId); continue; }
    if (end.ms > nowMs + FUTURE_TOLERANCE_MS) { reject(tally, "future_timestamp", s.endTime, s.sessionId); continue; }
    const problem = sleepProblem(s, start.ms, end.ms);
    const stages = problem ? null : parseStages(s.stages);
    if (problem || !stages) { reject(tally, "invalid_sleep_session", s.startTime, problem ?? "bad stage"); continue; }
    if (seen.has(s.sessionId)) tally.duplicates++;
    else tally.accepted++;
    seen.set(s.sessionId, {
      sessionId: s.sessionId, startMs: start.ms, endMs: end.ms, type: s.type as "STAGES" | "CLASSIC", isMain: s.isMain === true,
      minutesAsleep: Math.round(parseValue(s.minutesAsleep)!), source: s.source ?? "", manuallyEdited: s.manuallyEdited === true, stages,
    });
  }
}
