// The adherence thresholds, read from the chart's values.yaml `thresholds:`
// block: the dashboards and alerts take their defaults from there, so the
// demo's flags agree with them (one source of truth).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";

export const VALUES_FILE = join(dirname(fileURLToPath(import.meta.url)), "../../charts/wearable-pipeline/values.yaml");

const Thresholds = z.object({
  validDayMinutes: z.number().int().positive(),
  wearPercent: z.number().min(0).max(100),
  inactiveStepsPerDay: z.number().int().nonnegative(),
  daysWithoutSync: z.number().positive(),
  targetValidDaysPerWeek: z.number().int().min(0).max(7),
});
export type Thresholds = z.infer<typeof Thresholds>;

export function loadThresholds(file = VALUES_FILE): Thresholds {
  const values = parse(readFileSync(file, "utf8")) as { thresholds?: unknown };
  const parsed = Thresholds.safeParse(values?.thresholds);
  if (!parsed.success) {
    throw new Error(`${file}: thresholds: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
