// Pure time arithmetic for the ingest job: which window to read for a metric,
// and local calendar dates in a participant's time zone.
import type { TimeWindow } from "../sources/types.ts";

export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** YYYY-MM-DD of an instant in an IANA time zone. */
export function localDate(ms: number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f.format(ms);
}

export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

/** Throws a message naming the flag when the zone is unknown. */
export function assertTimeZone(timeZone: string, flag = "--time-zone"): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    throw new Error(`${flag}: "${timeZone}" is not an IANA time zone; use e.g. Europe/Amsterdam or UTC`);
  }
}

/** The instant a local date starts in a time zone (handles DST: finds the offset in force at that midnight). */
export function localMidnight(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  let t = guess;
  // Two rounds converge for every real zone (offset changes never happen twice within a day).
  for (let i = 0; i < 3; i++) {
    const off = offsetAt(t, timeZone);
    t = guess - off;
  }
  return t;
}

function offsetAt(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

export interface WindowPolicy {
  nowMs: number;
  timeZone: string;
  /** Re-read this far behind the watermark to catch late syncs. */
  trailingMs: number;
  /** A participant without a watermark starts this many local days back. */
  backfillDays: number;
}

/**
 * Incremental from the watermark (minus the trailing window); a new
 * participant starts at local midnight `backfillDays` days ago. Never reads
 * before `floorMs` (the participant's first backfill start) nor the future;
 * half-open [from, to).
 */
export function readWindow(watermarkMs: number | null, p: WindowPolicy, floorMs = -Infinity): TimeWindow {
  const from = watermarkMs === null
    ? localMidnight(addDays(localDate(p.nowMs, p.timeZone), -p.backfillDays), p.timeZone)
    : Math.min(watermarkMs - p.trailingMs, p.nowMs);
  return { from: new Date(Math.max(from, Math.min(floorMs, p.nowMs))), to: new Date(p.nowMs) };
}
