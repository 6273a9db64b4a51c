// Pure: per-participant adherence rows in, a summary with flags out, and the
// terminal table. Flags follow /work/shared/reference/adherence.md.
import type { Thresholds } from "./thresholds.ts";

export interface DayRow {
  participantId: string;
  day: string;
  wearMinutes: number;
  validDay: boolean;
  steps: number;
  sleepMinutes: number;
  mainSleepMissing: boolean;
  sleepClassic: boolean;
  lastSyncAt: Date | null;
}

export interface ParticipantSummary {
  participantId: string;
  profile: string;
  days: number;
  validDays: number;
  wearPercent: number;
  lastSyncAt: Date | null;
  daysSinceSync: number | null;
  flags: string[];
  daily: DayRow[];
}

// eslint-disable-next-line max-params -- a plain data-in function; an options object would only rename the fields
export function summarize(participantId: string, profile: string, days: DayRow[], now: Date, t: Thresholds, lastSync?: Date | null): ParticipantSummary {
  const validDays = days.filter((d) => d.validDay).length;
  const wear = days.reduce((a, d) => a + d.wearMinutes, 0);
  const wearPercent = days.length ? Math.round((wear / (days.length * 1440)) * 1000) / 10 : 0;
  const lastSyncAt = lastSync !== undefined ? lastSync : days.reduce<Date | null>((a, d) => (d.lastSyncAt && (!a || d.lastSyncAt > a) ? d.lastSyncAt : a), null);
  const daysSinceSync = lastSyncAt ? Math.floor(((now.getTime() - lastSyncAt.getTime()) / 86_400_000) * 10) / 10 : null;
  const flags: string[] = [];
  if (daysSinceSync === null || daysSinceSync >= t.daysWithoutSync) flags.push("no-sync");
  if (wearPercent < t.wearPercent) flags.push("low-wear");
  const weeks = days.length / 7;
  if (weeks > 0 && validDays / weeks < t.targetValidDaysPerWeek) flags.push("few-valid-days");
  const worn = days.filter((d) => d.validDay);
  if (worn.some((d) => d.steps < t.inactiveStepsPerDay)) flags.push("inactive-days");
  const noMain = days.filter((d) => d.mainSleepMissing && d.wearMinutes > 0).length;
  if (noMain >= 3) flags.push(`no-main-sleep×${noMain}`);
  const classic = days.filter((d) => d.sleepClassic).length;
  if (classic >= 2) flags.push(`classic-sleep×${classic}`);
  return { participantId, profile, days: days.length, validDays, wearPercent, lastSyncAt, daysSinceSync, flags, daily: days };
}

function fmtSync(s: ParticipantSummary): string {
  if (!s.lastSyncAt) return "never";
  return `${s.lastSyncAt.toISOString().slice(0, 16).replace("T", " ")}Z (${s.daysSinceSync}d)`;
}

export function formatTable(rows: ParticipantSummary[]): string {
  const header = ["participant", "profile", "valid days", "wear %", "last sync", "flags"];
  const body = rows.map((s) => [s.participantId, s.profile, `${s.validDays}/${s.days}`, s.wearPercent.toFixed(1), fmtSync(s), s.flags.join(", ") || "ok"]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
