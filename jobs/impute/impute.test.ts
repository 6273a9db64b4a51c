import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ArimaPool } from "./arima-pool.ts";
import { imputeSeries, type ImputeResult } from "./impute.ts";
import type { MethodName, Metric } from "./methods/types.ts";
import { MINUTE_MS, resample, type GridSeries } from "./series.ts";
import { synthesize } from "./synthetic.ts";

const T0 = Date.UTC(2024, 0, 1);
const METHODS: MethodName[] = ["linear", "locf", "seasonal", "arima"];
const pool = new ArimaPool();
after(() => pool.close());

function grid(values: number[]): GridSeries {
  return { start: T0, stepMs: MINUTE_MS, values: Float64Array.from(values) };
}

function impute(values: number[], method: MethodName | "auto", metric: Metric = "heart_rate", maxGapPoints = 120): Promise<ImputeResult> {
  return imputeSeries(grid(values), { metric, method, maxGapPoints, arimaPool: pool });
}

/** A smooth, noisy heart-rate-like series of n minutes. */
function wave(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 70 + 8 * Math.sin(i / 40) + ((i * 7919) % 13) / 6.5 - 1);
}

function assertFilledFinite(r: ImputeResult, from: number, to: number) {
  for (let i = from; i < to; i++) {
    assert.equal(r.imputed[i], 1, `point ${i} imputed`);
    assert.ok(Number.isFinite(r.values[i]!), `point ${i} finite`);
  }
}

void describe("every method", () => {
  for (const method of METHODS) {
    void describe(method, () => {
      void it("fills an interior gap between plausible bounds, with a 90% interval around the value", async () => {
        const v = wave(600);
        for (let i = 300; i < 310; i++) v[i] = NaN;
        const r = await impute(v, method);
        assertFilledFinite(r, 300, 310);
        for (let i = 300; i < 310; i++) {
          assert.ok(r.values[i]! > 55 && r.values[i]! < 85, `${method} ${i}: ${r.values[i]}`);
          assert.ok(r.lower[i]! <= r.values[i]! && r.values[i]! <= r.upper[i]!, "interval contains the estimate");
        }
        assert.equal(r.counts.gapsFilled, 1);
        assert.equal(r.counts.pointsImputed, 10);
        assert.equal(r.imputed[299], 0);
      });

      void it("fills a gap at the start and one at the end (one-sided)", async () => {
        const v = wave(400);
        for (let i = 0; i < 5; i++) v[i] = NaN;
        for (let i = 390; i < 400; i++) v[i] = NaN;
        const r = await impute(v, method);
        assertFilledFinite(r, 0, 5);
        assertFilledFinite(r, 390, 400);
        assert.ok(r.gaps.every((g) => g.edge));
      });

      void it("leaves an all-missing series empty", async () => {
        const r = await impute(new Array<number>(50).fill(NaN), method);
        assert.equal(r.counts.gapsFound, 1);
        assert.equal(r.counts.gapsFilled, 0);
        assert.ok(r.values.every(Number.isNaN));
      });

      void it("carries a single observed point into a short neighbouring gap, without a made-up interval", async () => {
        const r = await impute([NaN, NaN, 64, NaN], method);
        assert.deepEqual(Array.from(r.values), [64, 64, 64, 64]);
        assert.ok(Number.isNaN(r.lower[0]!), "nothing to calibrate an interval on");
      });

      void it("reproduces a constant series exactly", async () => {
        const v = new Array<number>(300).fill(72);
        for (let i = 100; i < 130; i++) v[i] = NaN;
        const r = await impute(v, method);
        for (let i = 100; i < 130; i++) assert.ok(Math.abs(r.values[i]! - 72) < 1e-6, `${method} ${i}: ${r.values[i]}`);
      });

      void it("leaves gaps longer than maxGap empty and counts them", async () => {
        const v = wave(600);
        for (let i = 200; i < 330; i++) v[i] = NaN;
        const r = await impute(v, method, "heart_rate", 120);
        assert.equal(r.counts.gapsSkippedTooLong, 1);
        assert.equal(r.counts.pointsImputed, 0);
        assert.ok(Number.isNaN(r.values[250]!));
      });
    });
  }
});

void describe("steps", () => {
  void it("imputes non-negative whole minute counts, never a repeated burst across a long gap", async () => {
    const d = synthesize({ seed: 7, days: 3, dropoutsPerDay: 0, nonWearPerDay: 0 });
    const g = resample(d.stepsSamples, { stepMs: MINUTE_MS, aggregate: "sum" });
    const v = Float64Array.from(g.values);
    // A gap of one hour right after a walking minute.
    let s = 0;
    for (let i = 600; i < v.length - 100; i++) if (v[i]! > 80) { s = i + 1; break; }
    v.fill(NaN, s, s + 60);
    const r = await imputeSeries({ ...g, values: v }, { metric: "steps", method: "auto", maxGapPoints: 120 });
    let total = 0;
    for (let i = s; i < s + 60; i++) {
      assert.ok(Number.isInteger(r.values[i]!) && r.values[i]! >= 0, `count at ${i}: ${r.values[i]}`);
      assert.ok(r.lower[i]! >= 0 && r.upper[i]! >= r.values[i]!);
      total += r.values[i]!;
    }
    assert.ok(total < 60 * g.values[s - 1]!, `hour total ${total} is far below repeating ${g.values[s - 1]} each minute`);
  });
});

void describe("auto on synthetic participants", () => {
  void it("beats LOCF on long heart-rate gaps, with interval coverage near 90%", async () => {
    let errAuto = 0, errLocf = 0, inside = 0, n = 0;
    for (const seed of [11, 12]) {
      const d = synthesize({ seed, days: 4, dropoutsPerDay: 2, nonWearPerDay: 0 });
      const g = resample(d.hrSamples, { stepMs: MINUTE_MS });
      const v = Float64Array.from(g.values);
      const masks = [500, 1700, 2900, 4100, 5300].map((s) => [s, s + 60] as const).filter(([a, b]) => g.values.subarray(a - 1, b + 1).every((x) => !Number.isNaN(x)));
      for (const [a, b] of masks) v.fill(NaN, a, b);
      const auto = await imputeSeries({ ...g, values: v }, { metric: "heart_rate", method: "auto", maxGapPoints: 120 });
      const lo = await imputeSeries({ ...g, values: v }, { metric: "heart_rate", method: "locf", maxGapPoints: 120 });
      for (const [a, b] of masks) {
        for (let i = a; i < b; i++) {
          const y = g.values[i]!;
          errAuto += Math.abs(auto.values[i]! - y);
          errLocf += Math.abs(lo.values[i]! - y);
          if (y >= auto.lower[i]! && y <= auto.upper[i]!) inside++;
          n++;
        }
      }
    }
    assert.ok(n >= 300, `enough held-out points (${n})`);
    assert.ok(errAuto < errLocf, `auto MAE ${errAuto / n} < locf ${errLocf / n}`);
    assert.ok(inside / n > 0.7 && inside / n < 0.99, `coverage ${inside / n}`);
  });

  void it("is deterministic: the same input gives identical output", async () => {
    const d = synthesize({ seed: 3, days: 2 });
    const g = resample(d.hrSamples, { stepMs: MINUTE_MS });
    const a = await imputeSeries(g, { metric: "heart_rate", method: "auto", maxGapPoints: 120 });
    const b = await imputeSeries(g, { metric: "heart_rate", method: "auto", maxGapPoints: 120 });
    assert.deepEqual(Array.from(a.values), Array.from(b.values));
    assert.deepEqual(Array.from(a.upper), Array.from(b.upper));
  });

  void it("never fills non-wear when step counts are given", async () => {
    const d = synthesize({ seed: 5, days: 3, nonWearPerDay: 1 });
    const hr = resample(d.hrSamples, { stepMs: MINUTE_MS, from: d.start, to: d.start + d.minutes * MINUTE_MS });
    const steps = resample(d.stepsSamples, { stepMs: MINUTE_MS, aggregate: "sum", from: d.start, to: d.start + d.minutes * MINUTE_MS });
    assert.ok(d.nonWear.length > 0);
    const r = await imputeSeries(hr, { metric: "heart_rate", method: "auto", maxGapPoints: 600, steps: steps.values });
    for (const [s, e] of d.nonWear) for (let i = s; i < e; i++) assert.equal(r.imputed[i], 0, `non-wear minute ${i} left empty`);
    assert.ok(r.counts.gapsSkippedNonWear >= 1);
    assert.ok(r.counts.gapsFilled >= 1);
  });
});
