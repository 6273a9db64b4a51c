// Deterministic, length-bounded names: the same CR always yields the same
// object names (a restart never creates duplicates), and long CR names are
// shortened with a hash so two long names cannot collide after truncation.
import { createHash } from "node:crypto";

/** Kubernetes object names: 63 for Jobs; CronJobs must leave 11 characters for the Job suffix, so 52. */
export const MAX_JOB_NAME = 63;
export const MAX_CRONJOB_NAME = 52;
export const MAX_LABEL_VALUE = 63;

export function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** `base + suffix`, or a truncated base plus a hash of the full base when that is longer than `max`. */
export function boundedName(base: string, suffix: string, max: number): string {
  const full = `${base}${suffix}`;
  if (full.length <= max) return full;
  const keep = max - suffix.length - 9;
  const head = base.slice(0, keep).replace(/[-.]+$/, "");
  return `${head}-${shortHash(base)}${suffix}`;
}

/** A label value (≤ 63, alphanumeric at both ends) that stays unique for long names. */
export function labelValue(value: string): string {
  return boundedName(value, "", MAX_LABEL_VALUE);
}
