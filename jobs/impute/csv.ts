// CSV in and out for the offline mode. Input: header `timestamp,value`,
// ISO-8601 timestamps with a zone (Z or ±hh:mm), an empty value = missing.
// Output: `timestamp,value,imputed,lower,upper`, one row per grid point.
import type { Sample } from "./series.ts";

/** Malformed input; `line` is 1-based as an editor shows it. */
export class CsvInputError extends Error {
  override name = "CsvInputError";
  readonly line: number;
  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.line = line;
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).trim() : f;
}

export interface ParseOptions {
  /** Rejects values below zero (heart rate and step counts never are). */
  nonNegative?: boolean;
}

/** Parses the whole text; throws CsvInputError naming the first bad line. */
export function parseSeriesCsv(text: string, opts: ParseOptions = {}): Sample[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map(unquote);
  if (header.length !== 2 || header[0] !== "timestamp" || header[1] !== "value") {
    throw new CsvInputError(1, `header must be "timestamp,value", got "${(lines[0] ?? "").slice(0, 80)}"`);
  }
  const out: Sample[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === "") continue;
    const fields = raw.split(",");
    if (fields.length !== 2) throw new CsvInputError(i + 1, `expected 2 fields (timestamp,value), got ${fields.length}`);
    const tsText = unquote(fields[0]!);
    if (!ISO.test(tsText)) {
      throw new CsvInputError(i + 1, `timestamp "${tsText.slice(0, 40)}" is not ISO-8601 with a zone, e.g. 2024-01-31T13:45:00Z`);
    }
    const ts = Date.parse(tsText);
    if (!Number.isFinite(ts)) throw new CsvInputError(i + 1, `timestamp "${tsText}" is not a valid date`);
    const vText = unquote(fields[1]!);
    if (vText === "") {
      out.push({ ts, value: NaN });
      continue;
    }
    const value = Number(vText);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(vText) || !Number.isFinite(value)) {
      throw new CsvInputError(i + 1, `value "${vText.slice(0, 40)}" is not a number; leave it empty for a missing value`);
    }
    if (opts.nonNegative && value < 0) throw new CsvInputError(i + 1, `value ${vText} is negative; this metric is never below zero`);
    out.push({ ts, value });
  }
  return out;
}

export function formatTimestamp(ts: number): string {
  const s = new Date(ts).toISOString();
  return s.endsWith(".000Z") ? `${s.slice(0, -5)}Z` : s;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return "";
  return String(Math.round(v * 1000) / 1000);
}

export interface OutputRow {
  ts: number;
  value: number;
  imputed: boolean;
  lower: number;
  upper: number;
}

export const OUTPUT_HEADER = "timestamp,value,imputed,lower,upper";

export function formatRow(r: OutputRow): string {
  return `${formatTimestamp(r.ts)},${formatNumber(r.value)},${r.imputed},${r.imputed ? formatNumber(r.lower) : ""},${r.imputed ? formatNumber(r.upper) : ""}`;
}
