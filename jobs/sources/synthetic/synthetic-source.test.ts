// Unit tests of the synthetic source: determinism, window-split invariance,
// value ranges, physiology (bouts raise HR and steps together, sleep lowers
// HR), profile properties, sync visibility and DST days.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { DataSource, RawSample, RawSleepSession, SampleMetric, TimeWindow } from "../types.ts";
import { createSyntheticSource, defaultCohort, groundTruthDays, groundTruthNonWearDays, lastSyncAtFor, PROFILE_NAMES } from "./index.ts";

const NOW = new Date("2026-11-20T12:00:00Z");
const H = 3_600_000;
const win = (from: string, to: string): TimeWindow => ({ from: new Date(from), to: new Date(to) });

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}
const samples = (src: DataSource, metric: SampleMetric, w: TimeWindow) => collect(src.samples(metric, w));
const byTime = (a: RawSample, b: RawSample) => a.time.localeCompare(b.time);
const ms = (s: RawSample) => Date.parse(s.time);

describe("synthetic source", () => {
  const base = { participantId: "p-test", seed: 7, profile: "compliant", now: NOW };

  test("the same seed gives identical points; another seed gives different ones", async () => {
    const w = win("2026-11-10T00:00:00Z", "2026-11-12T00:00:00Z");
    const a = await samples(createSyntheticSource(base), "heart_rate", w);
    const b = await samples(createSyntheticSource(base), "heart_rate", w);
    const c = await samples(createSyntheticSource({ ...base, seed: 8 }), "heart_rate", w);
    assert.ok(a.length > 10_000);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.slice(0, 100), c.slice(0, 100));
  });

  test("splitting a window into odd-sized requests returns exactly the same points", async () => {
    const whole = win("2026-11-10T05:00:00Z", "2026-11-13T05:00:00Z");
    const parts: TimeWindow[] = [];
    for (let t = whole.from.getTime(); t < whole.to.getTime(); t += 7 * H + 13 * 60_000) {
      parts.push({ from: new Date(t), to: new Date(Math.min(whole.to.getTime(), t + 7 * H + 13 * 60_000)) });
    }
    for (const metric of ["heart_rate", "steps", "spo2", "hrv", "resting_heart_rate"] as const) {
      const once = await samples(createSyntheticSource(base), metric, whole);
      const split: RawSample[] = [];
      const src = createSyntheticSource(base); // one source, its day cache reused across parts
      for (const part of [...parts].reverse()) split.push(...(await samples(src, metric, part)));
      assert.ok(once.length > 0, metric);
      assert.deepEqual(split.sort(byTime), [...once].sort(byTime), metric);
    }
    const sleepOnce = await collect(createSyntheticSource(base).sleep(whole));
    const sleepSplit: RawSleepSession[] = [];
    for (const part of parts) sleepSplit.push(...(await collect(createSyntheticSource(base).sleep(part))));
    assert.ok(sleepOnce.length >= 3);
    assert.deepEqual(sleepSplit.map((s) => s.sessionId).sort(), sleepOnce.map((s) => s.sessionId).sort());
  });

  test("values stay in physiological ranges and heart rate is sampled irregularly every 1–15 s", async () => {
    const src = createSyntheticSource({ ...base, profile: "dropout-prone" });
    const w = win("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z");
    const hr = await samples(src, "heart_rate", w);
    for (const s of hr) assert.ok(Number.isInteger(s.value) && (s.value as number) >= 38 && (s.value as number) <= 205, s.time);
    const gaps = hr.slice(1).map((s, i) => (ms(s) - ms(hr[i]!)) / 1000);
    assert.ok(gaps.every((g) => g >= 1), "no duplicate or reversed timestamps within a day stream");
    const regular = gaps.filter((g) => g <= 15);
    assert.ok(regular.length / gaps.length > 0.99, "gaps above 15 s only at dropouts and removals");
    assert.ok(regular.some((g) => g <= 3) && regular.some((g) => g >= 13), "both fast (active) and slow sampling occur");
    assert.ok(new Set(regular).size >= 14, "sampling is irregular");
    const steps = await samples(src, "steps", w);
    assert.equal(steps.length, 7 * 1440, "one steps row per minute, zeros included");
    for (const s of steps) assert.ok(Number.isInteger(s.value) && (s.value as number) >= 0 && (s.value as number) <= 200);
    for (const s of await samples(src, "spo2", w)) assert.ok((s.value as number) >= 86 && (s.value as number) <= 100);
    for (const s of await samples(src, "hrv", w)) assert.ok((s.value as number) > 5 && (s.value as number) < 250);
    const rhr = await samples(src, "resting_heart_rate", w);
    for (const s of rhr) {
      assert.match(s.time, /^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
      assert.ok((s.value as number) >= 45 && (s.value as number) <= 80);
    }
  });

  test("activity bouts raise heart rate and steps together; sleep lowers heart rate", async () => {
    const src = createSyntheticSource(base);
    const w = win("2026-11-10T00:00:00Z", "2026-11-13T00:00:00Z");
    const steps = new Map((await samples(src, "steps", w)).map((s) => [ms(s), s.value as number]));
    const sessions = await collect(src.sleep(w));
    const asleep = (t: number) => sessions.some((s) => s.isMain && t >= Date.parse(s.startTime) && t < Date.parse(s.endTime));
    const active: number[] = [];
    const still: number[] = [];
    const sleeping: number[] = [];
    for (const s of await samples(src, "heart_rate", w)) {
      const minute = Math.floor(ms(s) / 60_000) * 60_000;
      const st = steps.get(minute) ?? 0;
      if (asleep(ms(s))) sleeping.push(s.value as number);
      else if (st >= 100) active.push(s.value as number);
      else if (st === 0) still.push(s.value as number);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(active.length > 100 && still.length > 100 && sleeping.length > 100);
    assert.ok(mean(active) > mean(still) + 20, `active ${mean(active)} vs still ${mean(still)}`);
    assert.ok(mean(sleeping) < mean(still) - 5, `sleep ${mean(sleeping)} vs awake ${mean(still)}`);
  });

  test("sleep sessions have contiguous stages; SpO2 and HRV exist only inside main STAGES sleep", async () => {
    const src = createSyntheticSource({ ...base, profile: "struggling", seed: 11 });
    const w = win("2026-11-01T00:00:00Z", "2026-11-15T00:00:00Z");
    const sessions = await collect(src.sleep(w));
    assert.ok(sessions.some((s) => s.type === "CLASSIC") && sessions.some((s) => s.type === "STAGES"));
    for (const s of sessions) {
      assert.equal(s.stages[0]!.startTime, s.startTime);
      assert.equal(s.stages.at(-1)!.endTime, s.endTime);
      for (let i = 1; i < s.stages.length; i++) assert.equal(s.stages[i]!.startTime, s.stages[i - 1]!.endTime);
      const allowed = s.type === "STAGES" ? ["AWAKE", "LIGHT", "DEEP", "REM"] : ["AWAKE", "ASLEEP", "RESTLESS"];
      for (const st of s.stages) assert.ok(allowed.includes(st.type), `${s.type} stage ${st.type}`);
      assert.ok(s.minutesAsleep > 0 && s.minutesAsleep <= (Date.parse(s.endTime) - Date.parse(s.startTime)) / 60_000);
    }
    const staged = sessions.filter((s) => s.isMain && s.type === "STAGES");
    const inside = (t: number) => staged.some((s) => t >= Date.parse(s.startTime) && t < Date.parse(s.endTime));
    for (const metric of ["spo2", "hrv"] as const) {
      const pts = await samples(src, metric, w);
      assert.ok(pts.length > 0);
      assert.ok(pts.every((p) => inside(ms(p))), `${metric} only during main STAGES sleep`);
    }
  });

  test("sensor dropouts are short heart-rate gaps while steps continue", async () => {
    const src = createSyntheticSource({ ...base, profile: "dropout-prone", seed: 3 });
    const w = win("2026-11-10T00:00:00Z", "2026-11-17T00:00:00Z");
    const hr = await samples(src, "heart_rate", w);
    const hrMinutes = new Set(hr.map((s) => Math.floor(ms(s) / 60_000)));
    const steps = await samples(src, "steps", w);
    const missingWithSteps = steps.filter((s) => !hrMinutes.has(ms(s) / 60_000) && (s.value as number) > 0);
    const gapsMin = hr.slice(1).map((s, i) => (ms(s) - ms(hr[i]!)) / 60_000).filter((g) => g > 0.5 && g <= 13);
    assert.ok(gapsMin.length >= 20, "many short gaps over a week");
    assert.ok(missingWithSteps.length >= 3, "steps keep counting while the HR sensor drops out");
  });

  test("ground-truth non-wear days have no heart rate and zero steps; other days have heart rate", async () => {
    const who = { participantId: "p-s", seed: 1001, profile: "struggling" };
    const nonWear = groundTruthNonWearDays(who, "2026-11-01", "2026-11-29");
    assert.ok(nonWear.length >= 2, `struggling has non-wear days: ${nonWear.join(",")}`);
    const days = groundTruthDays(who, "2026-11-01", "2026-11-29");
    assert.deepEqual(days.filter((d) => d.nonWear).map((d) => d.date), nonWear);
    const src = createSyntheticSource({ ...who, now: new Date("2026-12-01T00:00:00Z") });
    for (const d of days) {
      const w = win(`${d.date}T00:00:00Z`, `${d.date}T24:00:00Z`);
      const hr = await samples(src, "heart_rate", w);
      const minutes = new Set(hr.map((s) => Math.floor(ms(s) / 60_000))).size;
      assert.equal(minutes, d.heartRateMinutes, d.date);
      if (d.nonWear) {
        assert.equal(hr.length, 0, d.date);
        const steps = await samples(src, "steps", w);
        assert.equal(steps.length, 1440);
        assert.ok(steps.every((s) => s.value === 0), `zero steps on ${d.date}`);
      } else assert.ok(minutes > 0, d.date);
    }
  });

  test("profiles: compliant wears every day, struggling has invalid days, nonwear-nights lacks main sleep", () => {
    const range = ["2026-11-01", "2026-11-29"] as const;
    const compliant = groundTruthDays({ seed: 1, profile: "compliant" }, ...range);
    assert.ok(compliant.every((d) => d.validDay && !d.nonWear), "compliant: 28/28 valid days");
    assert.ok(compliant.filter((d) => d.mainSleep === "STAGES").length >= 24);
    assert.ok(compliant.reduce((a, d) => a + d.steps, 0) / 28 > 6000);
    const struggling = groundTruthDays({ seed: 1, profile: "struggling" }, ...range);
    assert.ok(struggling.filter((d) => !d.validDay).length >= 5, "struggling: many invalid days");
    assert.ok(struggling.some((d) => d.mainSleep === "CLASSIC"), "struggling: CLASSIC nights");
    assert.ok(struggling.reduce((a, d) => a + d.steps, 0) / 28 < 5000, "struggling: low activity");
    const nights = groundTruthDays({ seed: 1, profile: "nonwear-nights" }, ...range);
    assert.ok(nights.every((d) => d.validDay), "nonwear-nights: days are still valid");
    assert.ok(nights.filter((d) => d.mainSleep === null).length >= 15, "nonwear-nights: most nights without main sleep");
    const dropout = groundTruthNonWearDays({ seed: 2, profile: "dropout-prone" }, "2026-09-01", "2026-12-01");
    const streak = dropout.some((d, i) => {
      const next = dropout[i + 1];
      return next !== undefined && Date.parse(next) - Date.parse(d) === 86_400_000;
    });
    assert.ok(streak, "dropout-prone: consecutive non-wear days");
  });

  test("late-syncer data appears only after a later sync; no-sync stopped 3–5 days before now", async () => {
    const who = { participantId: "late", seed: 5, profile: "late-syncer" };
    const yesterday = win("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z");
    let hidden = 0;
    for (let i = 0; i < 10; i++) {
      const now = new Date(NOW.getTime() + i * 24 * H);
      const w = { from: new Date(yesterday.from.getTime() + i * 24 * H), to: new Date(yesterday.to.getTime() + i * 24 * H) };
      const early = await samples(createSyntheticSource({ ...who, now }), "heart_rate", w);
      const later = await samples(createSyntheticSource({ ...who, now: new Date(now.getTime() + 6 * 24 * H) }), "heart_rate", w);
      assert.ok(later.length > 0);
      assert.ok(early.length <= later.length);
      if (early.length < later.length) hidden++;
    }
    assert.ok(hidden >= 5, `yesterday was (partly) not yet synced on ${hidden}/10 runs`);

    const noSync = { participantId: "ns", seed: 9, profile: "no-sync" };
    const last = lastSyncAtFor(noSync, NOW)!;
    const daysAgo = (NOW.getTime() - last.getTime()) / (24 * H);
    assert.ok(daysAgo > 2 && daysAgo < 6, `last sync ${daysAgo} days ago`);
    const src = createSyntheticSource({ ...noSync, now: NOW });
    assert.deepEqual(src.lastSyncAt(), last);
    const after = await samples(src, "heart_rate", { from: new Date(last.getTime() + 1), to: NOW });
    assert.equal(after.length, 0);
    const compliantLast = createSyntheticSource({ ...base }).lastSyncAt()!;
    assert.ok(NOW.getTime() - compliantLast.getTime() <= H);
  });

  test("a participant in Europe/Berlin has a 25-hour local day at the autumn DST change", async () => {
    const who = { participantId: "berlin", seed: 4, profile: "compliant", timeZone: "Europe/Berlin", now: NOW };
    // Local 2026-10-25 runs from 22:00Z (CEST) to 23:00Z the next day (CET).
    const steps = await samples(createSyntheticSource(who), "steps", win("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"));
    assert.equal(steps.length, 1500);
    const [d] = groundTruthDays(who, "2026-10-25", "2026-10-26");
    assert.ok(d!.heartRateMinutes > 1200 && d!.validDay, `HR minutes ${d!.heartRateMinutes}`);
  });

  test("bad options are rejected with the field named", () => {
    assert.throws(() => createSyntheticSource({ ...base, profile: "lazy" }), /profile: "lazy".*compliant/);
    assert.throws(() => createSyntheticSource({ ...base, seed: 1.5 }), /seed/);
    assert.throws(() => createSyntheticSource({ ...base, participantId: "" }), /participantId/);
    assert.throws(() => createSyntheticSource({ ...base, timeZone: "Mars/Olympus" }), /timeZone: "Mars\/Olympus"/);
  });

  test("the default cohort mixes compliant and struggling participants with distinct seeds", () => {
    const cohort = defaultCohort(20);
    assert.equal(cohort.length, 20);
    assert.equal(new Set(cohort.map((c) => c.seed)).size, 20);
    assert.equal(new Set(cohort.map((c) => c.participantId)).size, 20);
    for (const name of PROFILE_NAMES) assert.ok(cohort.some((c) => c.profile === name), name);
    assert.deepEqual(defaultCohort(20), cohort, "deterministic");
  });
});
