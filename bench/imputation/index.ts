// Accuracy benchmark for gap imputation (issue 4). Hides blocks of 1–180 min
// where the truth is known, imputes them with every method in the same run,
// and reports MAE/RMSE per gap length and the coverage of the 90% intervals,
// on synthetic participants and on the real development slice.
//   node bench/imputation/index.ts            (writes bench/results/imputation.json)
//   import { run } from "./bench/imputation/index.ts"  (used by bench/run.ts)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArimaPool } from "../../jobs/impute/arima-pool.ts";
import { imputeSeries } from "../../jobs/impute/impute.ts";
import type { MethodChoice, Metric } from "../../jobs/impute/methods/types.ts";
import { machineInfo } from "./machine.ts";
import { realSeries, syntheticSeries, type BenchSeries } from "./data.ts";
import { GAP_LENGTHS, planMasks, type Mask } from "./masks.ts";
import { seedImpute } from "./seed-method.ts";

const OURS: MethodChoice[] = ["auto", "seasonal", "arima", "linear", "locf"];
type Row = { group: string; metric: Metric; method: string; gap: number; n: number; mae: number; rmse: number; coverage: number | null; masks: number };

class Acc {
  abs = 0; sq = 0; n = 0; inside = 0; withInterval = 0; masks = 0;
  add(truth: number, est: number, lo: number, hi: number) {
    const e = est - truth;
    this.abs += Math.abs(e);
    this.sq += e * e;
    this.n++;
    if (Number.isFinite(lo) && Number.isFinite(hi)) {
      this.withInterval++;
      if (truth >= lo - 1e-9 && truth <= hi + 1e-9) this.inside++;
    }
  }
}

export interface ImputationBenchOptions {
  syntheticCount?: number;
  masksPerLength?: number;
  realDir?: string;
  /** Log progress to stderr. */
  verbose?: boolean;
}

async function benchSeries(s: BenchSeries, accs: Map<string, Acc>, pool: ArimaPool, perLength: number): Promise<void> {
  const rounds = planMasks(s.grid.values, perLength, s.name.length * 7919 + s.grid.values.length);
  const get = (method: string, gap: number) => {
    const k = `${s.group}|${s.metric}|${method}|${gap}`;
    let a = accs.get(k);
    if (!a) accs.set(k, (a = new Acc()));
    return a;
  };
  for (const round of rounds) {
    const masked = Float64Array.from(s.grid.values);
    for (const m of round) masked.fill(NaN, m.start, m.start + m.length);
    const isMask = (g: { start: number; end: number }) => round.some((m) => m.start === g.start && m.start + m.length === g.end);
    const record = (method: string, values: Float64Array, lower: Float64Array, upper: Float64Array, m: Mask) => {
      const a = get(method, m.length);
      a.masks++;
      for (let i = m.start; i < m.start + m.length; i++) a.add(s.grid.values[i]!, values[i]!, lower[i]!, upper[i]!);
    };
    for (const method of OURS) {
      // maxGap 240 min so the 180-minute masks are filled (the default 120 would skip them).
      const res = await imputeSeries({ ...s.grid, values: masked }, { metric: s.metric, method, maxGapPoints: 240, arimaPool: pool, only: isMask });
      for (const m of round) record(method, res.values, res.lower, res.upper, m);
    }
    if (s.steps) {
      // Activity-aware heart rate, as job mode runs it when the participant's
      // steps are in the database. Non-wear detection is off: the truth is known worn.
      const res = await imputeSeries({ ...s.grid, values: masked }, { metric: s.metric, method: "auto", maxGapPoints: 240, arimaPool: pool, only: isMask, steps: s.steps, nonWearMinPoints: Number.MAX_SAFE_INTEGER });
      for (const m of round) record("auto+steps", res.values, res.lower, res.upper, m);
    }
    // Plain baselines: straight line and carry-forward without any calibration or centring.
    for (const method of ["linear", "locf"] as const) {
      const res = await imputeSeries({ ...s.grid, values: masked }, { metric: s.metric, method, maxGapPoints: 240, calibrate: false, only: isMask });
      const plainNone = new Float64Array(res.values.length).fill(NaN);
      for (const m of round) record(`${method} (plain)`, res.values, plainNone, plainNone, m);
    }
    // Not a method: a constant equal to the median of the hidden truth. It
    // bounds what any level-only estimate could reach (it cheats by design).
    const oracle = Float64Array.from(masked);
    for (const m of round) oracle.fill(medianOf(s.grid.values.subarray(m.start, m.start + m.length)), m.start, m.start + m.length);
    const none = new Float64Array(masked.length).fill(NaN);
    for (const m of round) record("oracle constant", oracle, none, none, m);
    const seed = await seedImpute(pool, masked, s.metric, isMask);
    for (const m of round) record("seed", seed.values, seed.lower, seed.upper, m);
  }
}

function medianOf(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function rowsFrom(accs: Map<string, Acc>): Row[] {
  const rows: Row[] = [];
  for (const [k, a] of accs) {
    const [group, metric, method, gap] = k.split("|") as [string, Metric, string, string];
    rows.push({
      group, metric, method, gap: Number(gap), n: a.n, masks: a.masks,
      mae: a.abs / a.n, rmse: Math.sqrt(a.sq / a.n),
      coverage: a.withInterval ? a.inside / a.withInterval : null,
    });
  }
  const order = ["auto", "auto+steps", "seasonal", "arima", "linear", "locf", "linear (plain)", "locf (plain)", "seed", "oracle constant"];
  return rows.sort((x, y) => x.group.localeCompare(y.group) || x.metric.localeCompare(y.metric) || x.gap - y.gap || order.indexOf(x.method) - order.indexOf(y.method));
}

interface Goal { goal: string; group: string; gap: number | null; value: number; target: string; met: boolean }

function goalsFrom(rows: Row[]): Goal[] {
  const goals: Goal[] = [];
  const find = (group: string, metric: Metric, method: string, gap: number) => rows.find((r) => r.group === group && r.metric === metric && r.method === method && r.gap === gap);
  for (const group of ["synthetic", "real"]) {
    for (const gap of GAP_LENGTHS) {
      const auto = find(group, "heart_rate", "auto", gap);
      const lin = find(group, "heart_rate", "linear (plain)", gap);
      const seed = find(group, "heart_rate", "seed", gap);
      if (auto && lin) {
        const ratio = auto.mae / lin.mae;
        const limit = gap >= 60 ? 0.9 : 1;
        goals.push({ goal: "HR MAE vs linear", group, gap, value: ratio, target: `<= ${limit}`, met: ratio <= limit });
      }
      if (auto && seed && gap >= 15) {
        const ratio = auto.mae / seed.mae;
        goals.push({ goal: "HR MAE vs seed", group, gap, value: ratio, target: "<= 0.7", met: ratio <= 0.7 });
      }
      if (auto?.coverage != null) {
        goals.push({ goal: "HR 90% interval coverage", group, gap, value: auto.coverage, target: "0.85–0.95", met: auto.coverage >= 0.85 && auto.coverage <= 0.95 });
      }
      const sAuto = find(group, "steps", "auto", gap);
      const sFfill = find(group, "steps", "locf (plain)", gap);
      if (sAuto && sFfill) {
        const ratio = sAuto.mae / sFfill.mae;
        goals.push({ goal: "steps MAE vs forward fill", group, gap, value: ratio, target: "<= 0.8", met: ratio <= 0.8 });
      }
    }
  }
  return goals;
}

export function formatTable(rows: Row[]): string {
  const lines = ["| data | metric | gap (min) | method | MAE | RMSE | 90% coverage | points |", "|---|---|---|---|---|---|---|---|"];
  for (const r of rows) {
    lines.push(`| ${r.group} | ${r.metric} | ${r.gap} | ${r.method} | ${r.mae.toFixed(2)} | ${r.rmse.toFixed(2)} | ${r.coverage == null ? "–" : (100 * r.coverage).toFixed(1) + "%"} | ${r.n} |`);
  }
  return lines.join("\n");
}

export async function run(opts: ImputationBenchOptions = {}) {
  const started = Date.now();
  const series = [...syntheticSeries(opts.syntheticCount ?? 4), ...realSeries(opts.realDir)];
  const accs = new Map<string, Acc>();
  const pool = new ArimaPool();
  try {
    for (const s of series) {
      const t = Date.now();
      await benchSeries(s, accs, pool, opts.masksPerLength ?? 30);
      if (opts.verbose) console.error(`${s.name}: ${Date.now() - t} ms`);
    }
  } finally {
    await pool.close();
  }
  const rows = rowsFrom(accs);
  const goals = goalsFrom(rows);
  return {
    name: "imputation",
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: machineInfo(),
    protocol: {
      gapLengthsMinutes: [...GAP_LENGTHS],
      masksPerLengthPerSeries: `${opts.masksPerLength ?? 30} (x3 for 1 and 5 min)`,
      context: "truth fully observed; >= 80% observed hour of context each side, no other mask within it",
      maxGapMinutes: 240,
      seedMethod: "heart rate: ARIMA(1,1,1), method 1, fitted on up to 360 preceding minutes, forecast forward, ±1.645·sd; steps: forward then back fill",
      series: series.map((s) => ({ name: s.name, group: s.group, metric: s.metric, minutes: s.grid.values.length })),
    },
    rows,
    goals,
    allGoalsMet: goals.every((g) => g.met),
    table: formatTable(rows),
  };
}

if (import.meta.main) {
  const result = await run({ verbose: true });
  const dir = join(import.meta.dirname, "../results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "imputation.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(result.table);
  console.log("\nGoals:");
  for (const g of result.goals) console.log(`${g.met ? "met    " : "NOT MET"} ${g.goal} [${g.group}${g.gap ? `, ${g.gap} min` : ""}]: ${g.value.toFixed(3)} (target ${g.target})`);
}
