// Speed benchmark (issue 4): impute one participant-week at 1-minute
// resolution (10,080 points with realistic dropouts and non-wear) on one
// core, end to end from raw irregular heart-rate samples, and compare with
// the seed's method (forward ARIMA per gap) measured in the same run.
//   node bench/impute-speed/index.ts   (writes bench/results/impute-speed.json)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArimaPool } from "../../jobs/impute/arima-pool.ts";
import { imputeSeries } from "../../jobs/impute/impute.ts";
import type { MethodChoice } from "../../jobs/impute/methods/types.ts";
import { MINUTE_MS, resample } from "../../jobs/impute/series.ts";
import { synthesize } from "../../jobs/impute/synthetic.ts";
import { machineInfo } from "../imputation/machine.ts";
import { seedImpute } from "../imputation/seed-method.ts";

const REPEATS = 5;

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

export async function run() {
  const d = synthesize({ seed: 77, days: 7, dropoutsPerDay: 8, nonWearPerDay: 0.5 });
  const pool = new ArimaPool();
  const range = { from: d.start, to: d.start + d.minutes * MINUTE_MS };
  const steps = resample(d.stepsSamples, { stepMs: MINUTE_MS, aggregate: "sum", ...range }).values;
  const timings: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  let gaps = { found: 0, filled: 0, points: 0 };
  const time = async (name: string, fn: () => Promise<void>) => {
    const t = performance.now();
    const c = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(c);
    (timings[name] ??= []).push((performance.now() - t) / 1000);
    // CPU time of the process (main thread + ARIMA worker): robust to other load on a shared machine.
    (cpu[name] ??= []).push((used.user + used.system) / 1e6);
  };
  try {
    // Warm-up: worker start and WASM compile are paid once per process, not per participant.
    await pool.fit([1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3], { order: [1, 1, 1], horizon: 2 });
    for (let r = 0; r < REPEATS; r++) {
      for (const method of ["auto", "seasonal", "arima", "linear"] as MethodChoice[]) {
        await time(method, async () => {
          const grid = resample(d.hrSamples, { stepMs: MINUTE_MS, ...range });
          const res = await imputeSeries(grid, { metric: "heart_rate", method, maxGapPoints: 120, steps, arimaPool: pool });
          if (method === "auto") gaps = { found: res.counts.gapsFound, filled: res.counts.gapsFilled, points: res.counts.pointsImputed };
        });
      }
      await time("seed", async () => {
        const grid = resample(d.hrSamples, { stepMs: MINUTE_MS, ...range });
        await seedImpute(pool, grid.values, "heart_rate", (g) => g.end - g.start <= 120);
      });
    }
  } finally {
    await pool.close();
  }
  const seconds = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, median(v)]));
  const cpuSeconds = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, median(v)]));
  return {
    name: "impute-speed",
    machine: machineInfo(),
    workload: { points: d.minutes, rawSamples: d.hrSamples.length, gapsFound: gaps.found, gapsFilled: gaps.filled, pointsImputed: gaps.points, repeats: REPEATS },
    note: "median wall seconds per participant-week, one core, raw samples -> resample -> classify -> impute (+ interval calibration for ours); ARIMA worker warm",
    seconds,
    cpuSeconds,
    ratioVsSeed: Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, v / seconds.seed!])),
    goal: { target: "auto < 1 s per participant-week (wall, one core)", met: seconds.auto! < 1, cpuMet: cpuSeconds.auto! < 1 },
  };
}

if (import.meta.main) {
  const result = await run();
  const dir = join(import.meta.dirname, "../results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "impute-speed.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify({ workload: result.workload, seconds: result.seconds, cpuSeconds: result.cpuSeconds, ratioVsSeed: result.ratioVsSeed, goal: result.goal }, null, 2));
}
