// Loads the benchmark series: deterministic synthetic participants and the
// real development slice in ../shared/data/real-dev (read in place, never
// copied into the repository), each resampled to a 1-minute grid.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSeriesCsv } from "../../jobs/impute/csv.ts";
import { MINUTE_MS, resample, type GridSeries } from "../../jobs/impute/series.ts";
import { synthesize } from "../../jobs/impute/synthetic.ts";
import type { Metric } from "../../jobs/impute/methods/types.ts";

export interface BenchSeries {
  name: string;
  group: "synthetic" | "real";
  metric: Metric;
  grid: GridSeries;
  /** Minute steps on the same grid, where the source has them (activity-aware heart rate). */
  steps?: Float64Array;
}

export const REAL_DIR = join(import.meta.dirname, "../../../shared/data/real-dev");

export function syntheticSeries(count: number): BenchSeries[] {
  const out: BenchSeries[] = [];
  for (let k = 0; k < count; k++) {
    const d = synthesize({ seed: 1000 + k, days: 14, dropoutsPerDay: 4, nonWearPerDay: 0.4 });
    const grid = resample(d.hrSamples, { stepMs: MINUTE_MS });
    const steps = resample(d.stepsSamples, { stepMs: MINUTE_MS, aggregate: "sum", from: grid.start, to: grid.start + grid.values.length * MINUTE_MS }).values;
    out.push({ name: `synthetic-${k}`, group: "synthetic", metric: "heart_rate", grid, steps });
    out.push({ name: `synthetic-steps-${k}`, group: "synthetic", metric: "steps", grid: resample(d.stepsSamples, { stepMs: MINUTE_MS, aggregate: "sum" }) });
  }
  return out;
}

export function realSeries(dir = REAL_DIR): BenchSeries[] {
  if (!existsSync(dir)) return [];
  const files = [
    ["furberg_2022484408", "heart_rate"], ["furberg_4388161847", "heart_rate"], ["furberg_7007744171", "heart_rate"],
    ["mmash_subject1", "heart_rate"], ["mmash_subject2", "heart_rate"], ["mmash_subject3", "heart_rate"], ["mmash_subject4", "heart_rate"],
    ["steps_2022484408", "steps"], ["steps_pmdata_p03", "steps"], ["steps_pmdata_p10", "steps"],
    ["steps_mmash_subject1", "steps"], ["steps_mmash_subject2", "steps"],
  ] as const;
  const load = (name: string) => parseSeriesCsv(readFileSync(join(dir, `${name}.csv`), "utf8"));
  // Heart-rate series whose participant also has minute steps in the slice.
  const stepsFor: Record<string, string> = { furberg_2022484408: "steps_2022484408", mmash_subject1: "steps_mmash_subject1", mmash_subject2: "steps_mmash_subject2" };
  return files.map(([name, metric]) => {
    const grid = resample(load(name), { stepMs: MINUTE_MS, aggregate: metric === "steps" ? "sum" : "mean" });
    const stepsName = stepsFor[name];
    if (!stepsName) return { name, group: "real" as const, metric, grid };
    const steps = resample(load(stepsName), { stepMs: MINUTE_MS, aggregate: "sum", from: grid.start, to: grid.start + grid.values.length * MINUTE_MS }).values;
    return { name, group: "real" as const, metric, grid, steps };
  });
}
