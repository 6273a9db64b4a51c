// The contract every `wearable <subcommand>` module implements, plus a thin
// wrapper over node:util parseArgs that turns bad flags into UsageError
// (exit code 2) with a message naming the flag.
import { parseArgs, type ParseArgsConfig } from "node:util";

export interface Command {
  name: string;
  /** One line for the top-level usage. */
  summary: string;
  /** Full usage text printed for `--help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Bad invocation: wrong flags or values. The CLI prints it with usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}

/**
 * Parses a flag that must be a whole number in [min, max]. Digits only, so
 * "1e3", "0x10" and " 5" are refused rather than silently reinterpreted.
 */
export function parseWholeNumber(text: string, flag: string, opts: { min?: number; max?: number } = {}): number {
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag}: "${text}" is not a whole number ${range}`);
  }
  return n;
}

/** Parses a TCP port flag; 0 lets the OS pick one. */
export function parsePort(text: string, flag = "--port"): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${flag}: "${text}" is not a port number; use 0–65535`);
  return n;
}

/** Parses durations such as "90s", "15m", "2h", "7d" into milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a duration; use a number with ms, s, m, h or d, e.g. 120m`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  return n * unit;
}
