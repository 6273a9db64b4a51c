import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { emptyTally, parseTimestamp, rejectedCount, SampleSet, validateSamples, validateSleep, type ValidSleepSession } from "./validate.ts";
import { localDate, localMidnight, readWindow } from "./window.ts";
import { parseMetrics } from "./cli.ts";

const NOW = Date.parse("2026-11-20T12:00:00Z");
const src = "FITBIT:Pixel Watch 3";

describe("validateSamples", () => {
  test("heart rate outside 25–250 bpm, unparsable values and timestamps are counted, not kept", () => {
    const tally = emptyTally();
    const seen = new SampleSet();
    validateSamples("heart_rate", [
      { time: "2026-11-20T10:00:00Z", value: "61", source: src },
      { time: "2026-11-20T10:00:05.250+01:00", value: 62, source: src },
      { time: "2026-11-20T10:00:10Z", value: "24", source: src },
      { time: "2026-11-20T10:00:15Z", value: 251, source: src },
      { time: "2026-11-20T10:00:20Z", value: "sixty", source: src },
      { time: "2026-11-20T10:00:25Z", value: "", source: src },
      { time: "yesterday", value: 70, source: src },
      { time: "2026-02-30T10:00:00Z", value: 70, source: src },
      { time: "2026-03-29T02:30:00", value: 70, source: src },
      { time: "2026-11-20T13:00:00Z", value: 70, source: src },
    ], NOW, tally, seen);
    assert.equal(tally.accepted, 2);
    assert.deepEqual(tally.rejected, {
      heart_rate_out_of_range: 2, unparsable_value: 2, unparsable_timestamp: 2, timestamp_without_offset: 1, future_timestamp: 1,
    });
    assert.equal(rejectedCount(tally), 8);
    assert.deepEqual([...seen.values()].map((s) => [new Date(s.ms).toISOString(), s.value]), [
      ["2026-11-20T10:00:00.000Z", 61],
      ["2026-11-20T09:00:05.250Z", 62],
    ]);
    assert.equal(tally.examples.length, 5);
    assert.deepEqual(tally.examples[0], { reason: "heart_rate_out_of_range", time: "2026-11-20T10:00:10Z", value: "24" });
  });

  test("negative steps are rejected; steps land on the minute; a re-delivered key is written once, last value wins", () => {
    const tally = emptyTally();
    const seen = new SampleSet();
    validateSamples("steps", [
      { time: "2026-11-20T10:01:00Z", value: "12", source: src },
      { time: "2026-11-20T10:02:00Z", value: "-3", source: src },
      { time: "2026-11-20T10:03:30Z", value: "7", source: src },
      { time: "2026-11-20T11:01:00+01:00", value: "15", source: src },
      { time: "2026-11-20T10:01:00Z", value: "0", source: "other-device" },
    ], NOW, tally, seen);
    assert.deepEqual(tally.rejected, { negative_steps: 1 });
    assert.equal(tally.duplicates, 1);
    const rows = [...seen.values()].map((s) => [s.time, s.value, s.source]);
    assert.deepEqual(rows, [
      ["2026-11-20T11:01:00+01:00", 15, src],
      ["2026-11-20T10:03:00.000Z", 7, src],
      ["2026-11-20T10:01:00Z", 0, "other-device"],
    ]);
  });

  test("DST: the repeated hour is two distinct instants when the offset is given", () => {
    const a = parseTimestamp("2026-10-25T02:30:00+02:00");
    const b = parseTimestamp("2026-10-25T02:30:00+01:00");
    assert.ok("ms" in a && "ms" in b);
    assert.equal(b.ms - a.ms, 3_600_000);
    assert.deepEqual(parseTimestamp("2026-10-25T02:30:00"), { error: "timestamp_without_offset" });
  });
});

describe("validateSleep", () => {
  const session = {
    sessionId: "s1", startTime: "2026-11-19T22:00:00Z", endTime: "2026-11-20T06:00:00Z", type: "STAGES", isMain: true,
    minutesAsleep: 430, source: src,
    stages: [{ startTime: "2026-11-19T22:00:00Z", endTime: "2026-11-20T06:00:00Z", type: "LIGHT" }],
  };
  test("keeps a good session, rejects broken ones with a reason", () => {
    const tally = emptyTally();
    const seen = new Map<string, ValidSleepSession>();
    validateSleep([
      session,
      { ...session, sessionId: "s2", endTime: "2026-11-19T21:00:00Z" },
      { ...session, sessionId: "s3", type: "NAP" },
      { ...session, sessionId: "s4", startTime: "garbage" },
      { ...session, sessionId: "s5", minutesAsleep: 9999 },
      { ...session, sessionId: "s6", stages: [{ startTime: "2026-11-19T22:00:00Z", endTime: "2026-11-20T06:00:00Z", type: "DOZING" }] },
    ], NOW, tally, seen);
    assert.deepEqual([...seen.keys()], ["s1"]);
    assert.deepEqual(tally.rejected, { invalid_sleep_session: 4, unparsable_timestamp: 1 });
  });
});

describe("read window and local days", () => {
  test("a new participant starts at local midnight N days back; later runs re-read the trailing window", () => {
    const policy = { nowMs: NOW, timeZone: "America/New_York", trailingMs: 3 * 86_400_000, backfillDays: 14 };
    assert.deepEqual(readWindow(null, policy), { from: new Date("2026-11-06T05:00:00Z"), to: new Date(NOW) });
    assert.deepEqual(readWindow(Date.parse("2026-11-19T00:00:00Z"), policy).from, new Date("2026-11-16T00:00:00Z"));
  });

  test("local midnight across DST changes", () => {
    assert.equal(new Date(localMidnight("2026-10-25", "Europe/Amsterdam")).toISOString(), "2026-10-24T22:00:00.000Z");
    assert.equal(new Date(localMidnight("2026-10-26", "Europe/Amsterdam")).toISOString(), "2026-10-25T23:00:00.000Z");
    assert.equal(new Date(localMidnight("2026-03-08", "America/New_York")).toISOString(), "2026-03-08T05:00:00.000Z");
    assert.equal(localDate(Date.parse("2026-10-25T22:59:59Z"), "Europe/Amsterdam"), "2026-10-25");
    assert.equal(localDate(Date.parse("2026-10-25T23:00:00Z"), "Europe/Amsterdam"), "2026-10-26");
  });
});

describe("ingest CLI helpers", () => {
  test("--metrics names the bad entry and the allowed ones", () => {
    assert.deepEqual(parseMetrics("heart_rate, steps,heart_rate"), ["heart_rate", "steps"]);
    assert.throws(() => parseMetrics("heart_rate,calories"), /--metrics: "calories" is not a metric; use heart_rate,steps/);
  });

});

describe("parseTimestamp fast path agrees with the general one", () => {
  test("canonical UTC forms, calendar edges", () => {
    for (const t of ["2026-11-20T10:00:05Z", "2026-11-20T10:00:05.250Z", "2024-02-29T00:00:00Z", "2026-12-31T23:59:59.999Z"]) {
      assert.deepEqual(parseTimestamp(t), { ms: Date.parse(t) }, t);
    }
    for (const t of ["2026-02-29T00:00:00Z", "2026-04-31T00:00:00.000Z", "2026-01-01T24:00:00Z", "2026-1x-01T00:00:00Z"]) {
      assert.deepEqual(parseTimestamp(t), { error: "unparsable_timestamp" }, t);
    }
  });
});
