// Database settings that come from configuration (env, set by the Helm chart),
// validated once with messages that name the variable and the fix.
import { parseDuration } from "../../lib/cli.ts";

const DAY_MS = 86_400_000;

export interface TimescaleSettings {
  /** Compress chunks older than this (seconds). */
  compressAfterSeconds: number;
  /** Drop raw chunks older than this (seconds); null keeps data forever. */
  retentionSeconds: number | null;
  /** How far back the hourly aggregate's refresh policy looks (covers late syncs). */
  aggregateRefreshLookbackSeconds: number;
}

export const DEFAULT_TIMESCALE_SETTINGS: TimescaleSettings = {
  compressAfterSeconds: 14 * 86_400,
  retentionSeconds: 730 * 86_400,
  aggregateRefreshLookbackSeconds: 8 * 86_400,
};

function durationEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  try {
    return parseDuration(v, name);
  } catch (err) {
    throw new Error(`${name}="${v}" is not a duration; use e.g. 14d, 36h or 90m`, { cause: err });
  }
}

/**
 * WEARABLE_COMPRESS_AFTER (default 14d), WEARABLE_RETENTION (default 730d;
 * "off" keeps raw data forever). Compression must start after the window late
 * syncs rewrite (a device keeps about 7 days), and retention must be longer.
 */
export function timescaleSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TimescaleSettings {
  const s = { ...DEFAULT_TIMESCALE_SETTINGS };
  const compress = durationEnv(env, "WEARABLE_COMPRESS_AFTER");
  if (compress !== undefined) s.compressAfterSeconds = compress / 1000;
  const rawRetention = env.WEARABLE_RETENTION?.trim().toLowerCase();
  if (rawRetention === "off" || rawRetention === "none" || rawRetention === "0") s.retentionSeconds = null;
  else {
    const r = durationEnv(env, "WEARABLE_RETENTION");
    if (r !== undefined) s.retentionSeconds = r / 1000;
  }
  if (s.compressAfterSeconds * 1000 < 8 * DAY_MS) {
    throw new Error(`WEARABLE_COMPRESS_AFTER must be at least 8d: late device syncs rewrite the last 7 days`);
  }
  if (s.retentionSeconds !== null && s.retentionSeconds <= s.compressAfterSeconds) {
    throw new Error(`WEARABLE_RETENTION (${s.retentionSeconds / 86_400}d) must be longer than WEARABLE_COMPRESS_AFTER (${s.compressAfterSeconds / 86_400}d), or "off"`);
  }
  return s;
}
