// Civil (wall-clock) time in a participant's IANA time zone, without a
// date library: Intl gives the zone's UTC offset at an instant, and days are
// "YYYY-MM-DD" strings. A local day may be 23 or 25 hours long across DST.

const MINUTE = 60_000;
const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws an error naming the field when `timeZone` is not an IANA zone Node knows. */
export function assertTimeZone(timeZone: string, field = "timeZone"): void {
  try {
    formatter(timeZone);
  } catch {
    throw new Error(`${field}: "${timeZone}" is not a known IANA time zone; use e.g. "Europe/Berlin" or "UTC"`);
  }
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (east positive). */
export function offsetMs(timeZone: string, ms: number): number {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return 0;
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

export function localDate(ms: number, timeZone: string): string {
  return new Date(ms + offsetMs(timeZone, ms)).toISOString().slice(0, 10);
}

export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY);
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/** The instant when the local clock on `date` shows `minuteOfDay` (may exceed 1440: rolls into later days). */
export function localToUtc(date: string, minuteOfDay: number, timeZone: string): number {
  const naive = Date.parse(`${date}T00:00:00Z`) + Math.round(minuteOfDay * MINUTE);
  // Two passes settle on the right side of a DST change.
  const first = naive - offsetMs(timeZone, naive);
  return naive - offsetMs(timeZone, first);
}

export interface DayClock {
  date: string;
  start: number;
  end: number;
  /** Local hour of day (fractional) at instant `ms` inside the day. */
  localHour(ms: number): number;
}

export function dayClock(date: string, timeZone: string): DayClock {
  const start = localToUtc(date, 0, timeZone);
  const end = localToUtc(addDays(date, 1), 0, timeZone);
  const offStart = offsetMs(timeZone, start);
  const offEnd = offsetMs(timeZone, end - 1);
  let transition = end;
  if (offStart !== offEnd) {
    // Binary search the first minute with the new offset.
    let lo = start;
    let hi = end - 1;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetMs(timeZone, mid) === offStart) lo = mid;
      else hi = mid;
    }
    transition = hi;
  }
  return {
    date,
    start,
    end,
    localHour: (ms) => {
      const local = ms + (ms < transition ? offStart : offEnd);
      return (((local % DAY) + DAY) % DAY) / 3_600_000;
    },
  };
}
