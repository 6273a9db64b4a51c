import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ArimaPool, MAX_FIT_POINTS } from "./arima-pool.ts";
import { makeArima } from "./methods/arima.ts";

function ar1(n: number, seed = 1): number[] {
  let x = 0;
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    x = 0.8 * x + ((s / 2147483647) - 0.5) * 4;
    out.push(70 + x);
  }
  return out;
}

void describe("ARIMA isolation", () => {
  const pool = new ArimaPool();
  after(() => pool.close());

  void it("fits and forecasts with finite means and growing variances", async () => {
    const fit = await pool.fit(ar1(300), { order: [1, 1, 1], horizon: 5 });
    assert.equal(fit.mean.length, 5);
    assert.ok(fit.mean.every((m) => m > 50 && m < 90));
    assert.ok(fit.variance[4]! >= fit.variance[0]! && fit.variance[0]! > 0);
  });

  void it("a fit that overflows the WASM stack does not poison later fits: the worker is recycled", async () => {
    const before = pool.started;
    await assert.rejects(pool.fit(ar1(30_000), { order: [1, 1, 1], horizon: 3, unsafeSkipLengthGuard: true }), /arima fit failed/);
    const fit = await pool.fit(ar1(300, 2), { order: [1, 1, 1], horizon: 3 });
    assert.ok(fit.mean.every(Number.isFinite));
    assert.equal(pool.started, before + 1, "a fresh worker served the next fit");
  });

  void it("captures what the native code prints instead of letting it reach stdout", async () => {
    process.env.WEARABLE_ARIMA_TEST_PRINT = "1";
    const noisy = new ArimaPool();
    try {
      await noisy.fit(ar1(100), { order: [1, 1, 1], horizon: 2 });
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(noisy.suppressedStdoutBytes > 0, "the worker printed and the pool captured it");
    } finally {
      delete process.env.WEARABLE_ARIMA_TEST_PRINT;
      await noisy.close();
    }
  });

  void it("refuses over-long input before it reaches WASM", async () => {
    await assert.rejects(pool.fit(ar1(MAX_FIT_POINTS + 1), { order: [1, 1, 1], horizon: 3 }), /exceed the 7500-point limit/);
  });

  void it("never passes missing values into arima", async () => {
    const bad = ar1(100);
    bad[50] = NaN;
    await assert.rejects(pool.fit(bad, { order: [1, 1, 1], horizon: 3 }), /missing or non-finite/);
    await assert.rejects(pool.fit([1, null as unknown as number, 3], { order: [1, 1, 1], horizon: 3 }), /missing or non-finite/);
  });

  void it("a crashed worker fails only its own fit; the imputer falls back and keeps going", async () => {
    const crashy = new ArimaPool({ timeoutMs: 50 });
    try {
      // A 50 ms timeout on a heavy fit forces a recycle mid-flight.
      await assert.rejects(crashy.fit(ar1(7_000), { order: [3, 1, 3], horizon: 400 }), /timed out|failed/);
      const fit = await crashy.fit(ar1(200), { order: [1, 1, 1], horizon: 2 }).catch(() => undefined);
      // Either the fresh worker made it within 50 ms or it timed out cleanly; the pool stays usable.
      assert.ok(fit === undefined || fit.mean.every(Number.isFinite));
    } finally {
      await crashy.close();
    }
  });

  void it("the two-sided method blends forward and backward forecasts into a bridge", async () => {
    const values = Float64Array.from([...new Array<number>(120).fill(60), ...new Array<number>(10).fill(NaN), ...new Array<number>(120).fill(80)].map((v, i) => v + (i % 2) * 0.5));
    const imp = await makeArima({ pool }).prepare({ values, start: 0, stepMs: 60_000, metric: "heart_rate" });
    const est = await imp.estimate(values, { start: 120, end: 130 });
    assert.ok(est.value[0]! < 65 && est.value[9]! > 75, `bridges 60 to 80: ${Array.from(est.value).map((v) => v.toFixed(1)).join(" ")}`);
    assert.ok(est.value.every((v, k) => k === 0 || v >= est.value[k - 1]! - 1e-6), "monotone between the two levels");
  });
});
