// createDataSource (the ingest job's entry point) and the retry helpers.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createDataSource, defaultSeedFor } from "./create-source.ts";
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from "./google-health/retry.ts";
import { windowFilter } from "./google-health/wire.ts";

describe("createDataSource", () => {
  test("synthetic: seed defaults to a stable hash of the participant id", async () => {
    const now = new Date("2026-11-20T12:00:00Z");
    const w = { from: new Date("2026-11-19T00:00:00Z"), to: new Date("2026-11-19T01:00:00Z") };
    const first = async (seed?: number) => {
      for await (const page of createDataSource({ source: "synthetic", participantId: "p042", seed, now }).samples("heart_rate", w)) return page.slice(0, 20);
      return [];
    };
    assert.deepEqual(await first(), await first(defaultSeedFor("p042")));
    assert.notDeepEqual(await first(), await first(1));
  });
  test("errors name the flag and the fix", () => {
    assert.throws(() => createDataSource({ source: "fitbit", participantId: "p1" }), /--source: "fitbit" is not a source; use one of synthetic, google-health/);
    assert.throws(() => createDataSource({ source: "google-health", participantId: "p1" }), /--token-secret: required with --source google-health/);
    assert.throws(() => createDataSource({ source: "google-health", participantId: "p1", tokenSecret: "nope" }), /--token-secret: "nope" is not NAMESPACE\/NAME/);
    assert.throws(() => createDataSource({ source: "synthetic", participantId: "p1", profile: "lazy" }), /profile: "lazy"/);
  });
  test("google-health reads its base URLs from the environment", () => {
    const make = (env: NodeJS.ProcessEnv) => createDataSource({ source: "google-health", participantId: "p1", tokenFile: "/nonexistent.json", env });
    assert.throws(() => make({ GOOGLE_HEALTH_API_BASE_URL: "not a url" }), /apiBaseUrl: "not a url" is not an absolute URL/);
    assert.throws(() => make({ GOOGLE_OAUTH_TOKEN_URL: "ftp://x/token" }), /tokenUrl: "ftp:\/\/x\/token" must be an http\(s\) URL/);
    assert.equal(make({}).name, "google-health");
  });
});

describe("retry and wire helpers", () => {
  test("Retry-After as seconds or an HTTP date", () => {
    assert.equal(parseRetryAfter("7"), 7000);
    assert.equal(parseRetryAfter("Fri, 20 Nov 2026 12:00:30 GMT", Date.parse("2026-11-20T12:00:00Z")), 30_000);
    assert.equal(parseRetryAfter("soon"), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
  test("full jitter stays below the capped exponential ceiling", () => {
    const policy = { ...DEFAULT_RETRY, random: () => 0.999 };
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a)), [999, 1998, 3996, 7992, 9990, 9990]);
    assert.equal(backoffDelay({ ...policy, random: () => 0 }, 3), 0);
    assert.equal(backoffDelay(policy, 0, 5000), 5000);
  });
  test("window filters use the documented fields", () => {
    const from = new Date("2026-11-01T00:00:00Z");
    const to = new Date("2026-11-02T12:30:00.250Z");
    assert.equal(windowFilter("steps", from, to), 'steps.interval.start_time >= "2026-11-01T00:00:00Z" AND steps.interval.start_time < "2026-11-02T12:30:00.250Z"');
    assert.equal(windowFilter("sleep", from, to), 'sleep.interval.end_time >= "2026-11-01T00:00:00Z" AND sleep.interval.end_time < "2026-11-02T12:30:00.250Z"');
    assert.equal(windowFilter("resting_heart_rate", from, to), 'daily_resting_heart_rate.date >= "2026-11-01" AND daily_resting_heart_rate.date < "2026-11-03"');
  });
});
