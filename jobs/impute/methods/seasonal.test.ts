import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildProfile } from "./profile.ts";
import { fitResidualModel, smoothResidual, winsorize } from "./state-space.ts";
import { filterActivity } from "./seasonal.ts";

const T0 = Date.UTC(2024, 0, 1);

void describe("circadian profile", () => {
  const day = Float64Array.from({ length: 1440 }, (_, i) => (i >= 720 && i < 780 ? 100 : 60));

  void it("learns the level by time of day", () => {
    const p = buildProfile(day, T0, 60_000);
    assert.ok(p.at(T0 + 750 * 60_000) > 80, "the noon bump is in the profile");
    assert.ok(Math.abs(p.at(T0 + 300 * 60_000) - 60) < 1e-9);
  });

  void it("leaves a stretch out exactly, so a hidden block is scored honestly", () => {
    const p = buildProfile(day, T0, 60_000).without(T0 + 720 * 60_000, T0 + 780 * 60_000);
    assert.ok(Math.abs(p.at(T0 + 750 * 60_000) - 60) < 1, `without the bump: ${p.at(T0 + 750 * 60_000)}`);
  });

  void it("falls back to the overall median with no data at all", () => {
    const p = buildProfile(new Float64Array(100).fill(NaN), T0, 60_000);
    assert.ok(p.levels.every((v) => v === 0));
  });
});

void describe("residual state-space model", () => {
  function ar1(n: number, phi: number): Float64Array {
    let x = 0;
    let s = 12345;
    return Float64Array.from({ length: n }, () => {
      s = (s * 16807) % 2147483647;
      x = phi * x + (s / 2147483647 - 0.5) * 3;
      return x;
    });
  }

  void it("recovers a slow time constant from the autocovariance", () => {
    const m = fitResidualModel(ar1(20_000, Math.exp(-1 / 60)));
    const slowTau = -1 / Math.log(m.phi2);
    assert.ok(slowTau >= 30 && slowTau <= 120, `slow tau ${slowTau}`);
    assert.ok(m.a2 > m.a1, "most variance is slow");
  });

  void it("bridges a short gap between its neighbours and relaxes a long one towards zero", () => {
    const model = { phi1: Math.exp(-1 / 3), phi2: Math.exp(-1 / 60), a1: 1, a2: 9, r: 0.1 };
    const e = new Float64Array(400).fill(NaN);
    e.fill(5, 0, 100);
    e.fill(5, 300, 400);
    const long = smoothResidual(e, model, 0, 400, 100, 300);
    assert.ok(long.mean[0]! > 4 && long.mean[199]! > 4, "near the edges it follows the data");
    assert.ok(long.mean[100]! < long.mean[0]!, "in the middle it relaxes");
    assert.ok(long.variance[100]! > long.variance[0]!, "and is less certain");
    const short = smoothResidual(e.fill(5, 100, 298), model, 0, 400, 298, 300);
    assert.ok(Math.abs(short.mean[0]! - 5) < 0.2);
  });

  void it("clips artifacts before estimating the noise", () => {
    const e = Float64Array.from({ length: 100 }, (_, i) => (i === 50 ? 1000 : i % 3));
    assert.ok(winsorize(e)[50]! < 20);
  });

  void it("filters steps into an activity signal that rises and decays", () => {
    const steps = Float64Array.from({ length: 30 }, (_, i) => (i >= 5 && i < 10 ? 100 : i === 20 ? NaN : 0));
    const a = filterActivity(steps, 60_000);
    assert.ok(a[9]! > a[5]! && a[25]! < a[10]! && a[4] === 0);
  });
});
