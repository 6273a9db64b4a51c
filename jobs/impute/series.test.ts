import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findGaps, classifyGaps } from "./gaps.ts";
import { MINUTE_MS, resample } from "./series.ts";

const T0 = Date.UTC(2024, 0, 1);

void describe("resample", () => {
  void it("averages irregular heart-rate samples per minute and marks empty minutes NaN", () => {
    const g = resample(
      [
        { ts: T0 + 5_000, value: 60 },
        { ts: T0 + 50_000, value: 64 },
        { ts: T0 + 2 * MINUTE_MS + 1, value: 70 },
      ],
      { stepMs: MINUTE_MS },
    );
    assert.equal(g.start, T0);
    assert.deepEqual(Array.from(g.values), [62, NaN, 70]);
  });

  void it("sums counts per bucket for steps and honours an explicit range", () => {
    const g = resample(
      [
        { ts: T0, value: 10 },
        { ts: T0 + 30_000, value: 5 },
        { ts: T0 + 9 * MINUTE_MS, value: 99 },
      ],
      { stepMs: 2 * MINUTE_MS, aggregate: "sum", from: T0, to: T0 + 6 * MINUTE_MS },
    );
    assert.deepEqual(Array.from(g.values), [15, NaN, NaN]);
  });

  void it("keeps rows whose value is missing inside the grid span", () => {
    const g = resample([{ ts: T0, value: 1 }, { ts: T0 + 3 * MINUTE_MS, value: NaN }], { stepMs: MINUTE_MS });
    assert.equal(g.values.length, 4);
    assert.ok(Number.isNaN(g.values[3]!));
  });

  void it("rejects a non-positive step", () => {
    assert.throws(() => resample([], { stepMs: 0 }), /grid step must be positive/);
  });
});

void describe("gap classification", () => {
  const hr = Float64Array.from([70, NaN, NaN, 71, ...new Array<number>(70).fill(NaN), 72, ...new Array<number>(5).fill(NaN)]);
  void it("finds runs of missing points including one at the end", () => {
    assert.deepEqual(findGaps(hr), [
      { start: 1, end: 3 },
      { start: 4, end: 74 },
      { start: 75, end: 80 },
    ]);
  });

  void it("skips long heart-rate absences with zero steps as non-wear and keeps dropouts", () => {
    const steps = new Float64Array(hr.length).fill(0);
    steps[2] = 30; // walking during the short dropout
    const c = classifyGaps(findGaps(hr), hr.length, { maxGapPoints: 120, nonWearMinPoints: 60, steps });
    assert.deepEqual(c.map((g) => [g.kind, g.edge]), [["dropout", false], ["non-wear", false], ["dropout", true]]);
  });

  void it("does not call a long gap non-wear when steps show movement, but still applies maxGap", () => {
    const steps = new Float64Array(hr.length).fill(0);
    steps[40] = 12;
    const c = classifyGaps(findGaps(hr), hr.length, { maxGapPoints: 60, nonWearMinPoints: 60, steps });
    assert.equal(c[1]!.kind, "too-long");
  });

  void it("treats a step gap without heart rate as non-wear", () => {
    const steps = Float64Array.from([0, ...new Array<number>(70).fill(NaN), 3]);
    const heart = new Float64Array(steps.length).fill(NaN);
    const c = classifyGaps(findGaps(steps), steps.length, { maxGapPoints: 120, nonWearMinPoints: 60, heartRate: heart });
    assert.equal(c[0]!.kind, "non-wear");
  });

  void it("never fills a series that is entirely missing", () => {
    const all = new Float64Array(10).fill(NaN);
    assert.equal(classifyGaps(findGaps(all), 10, { maxGapPoints: 120, nonWearMinPoints: 60 })[0]!.kind, "too-long");
  });
});
