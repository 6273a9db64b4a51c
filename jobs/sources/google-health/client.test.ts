// The Google Health API client against the local double: paging, parsing,
// every injected fault (429 storms, 5xx, truncated JSON, expired access
// tokens, revoked refresh tokens, an empty day, legacy 410), refresh-token
// rotation write-back, quota backoff, and bad data passing through unjudged.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createLogger } from "../../../lib/logger.ts";
import { createSyntheticSource } from "../synthetic/index.ts";
import { PermanentSourceError, type DataSource, type RawSample, type SampleMetric, type TimeWindow } from "../types.ts";
import { createGoogleHealthSource, type GoogleHealthSourceOptions } from "./client.ts";
import { startGoogleHealthDouble, type GoogleHealthDouble } from "./double/server.ts";
import { GoogleHealthApiError } from "./errors.ts";
import { createFileTokenStore, type TokenStore } from "./token-store.ts";

const NOW = new Date("2026-11-20T12:00:00Z");
const DAY = 86_400_000;
const twoDays: TimeWindow = { from: new Date("2026-11-17T00:00:00Z"), to: new Date("2026-11-19T00:00:00Z") };
const user = { participantId: "p001", seed: 1000, profile: "compliant" };

async function collect<T>(pages: AsyncIterable<T[]>): Promise<{ items: T[]; pages: T[][] }> {
  const all: T[][] = [];
  for await (const p of pages) all.push(p);
  return { items: all.flat(), pages: all };
}

/** Retries without real waiting; records the delays the client chose. */
function fastRetry(delays: number[] = []) {
  return { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5, sleep: async (ms: number) => void delays.push(ms) };
}

function memoryStore(creds: { clientId: string; clientSecret: string; refreshToken: string }, onSave?: (next: string) => Promise<void>): TokenStore & { saved: string[] } {
  const saved: string[] = [];
  return {
    description: "test token store",
    saved,
    load: async () => ({ ...creds }),
    async saveRefreshToken(next) {
      if (onSave) await onSave(next);
      saved.push(next);
      creds.refreshToken = next;
    },
  };
}

describe("Google Health API client against the double", () => {
  let double: GoogleHealthDouble;
  let refreshToken: string;
  const logs = new PassThrough();
  let logText = "";
  logs.on("data", (c: Buffer) => (logText += c.toString()));
  const logger = createLogger({ name: "client-test", level: "debug", destination: logs });

  const client = (extra: Partial<GoogleHealthSourceOptions> = {}, d: GoogleHealthDouble = double, rt = refreshToken): DataSource => {
    const store = memoryStore({ clientId: d.clientId, clientSecret: d.clientSecret, refreshToken: rt });
    // Unpaced unless a test asks: these tests are about paging and faults, not the quota.
    return createGoogleHealthSource({ tokenStore: store, apiBaseUrl: d.url, tokenUrl: d.tokenUrl, retry: fastRetry(), logger, quota: { requests: 1e6, windowMs: 1000 }, ...extra });
  };
  const synthetic = createSyntheticSource({ ...user, now: NOW });
  const samples = async (src: DataSource, metric: SampleMetric, w = twoDays) => (await collect(src.samples(metric, w))).items;
  const statusCount = (status: number) => double.requests.filter((r) => r.status === status).length;

  before(async () => {
    double = await startGoogleHealthDouble({ now: () => NOW });
    refreshToken = double.addUser(user).refreshToken;
  });
  after(async () => {
    await double.close();
  });

  test("pages through many newest-first pages and returns exactly the synthetic points", async () => {
    const before = double.requests.length;
    const { items, pages } = await collect(client({ pageSize: 500 }).samples("heart_rate", twoDays));
    const expected = await samples(synthetic, "heart_rate");
    assert.ok(pages.length >= 30, `${pages.length} pages`);
    const listed = double.requests.slice(before).filter((r) => r.path.endsWith("/dataPoints"));
    assert.equal(listed.length, pages.length);
    assert.ok(!listed[0]!.hasPageToken && listed.slice(1).every((r) => r.hasPageToken && r.pageSize === "500"));
    assert.match(listed[0]!.filter!, /^heart_rate\.sample_time\.physical_time >= "2026-11-17T00:00:00Z" AND heart_rate\.sample_time\.physical_time < "2026-11-19T00:00:00Z"$/);
    const times = items.map((s) => Date.parse(s.time));
    assert.ok(times.every((t, i) => i === 0 || t < times[i - 1]!), "strictly newest first, no duplicates across pages");
    const norm = (s: RawSample) => `${Date.parse(s.time)}=${Number(s.value)}`;
    assert.deepEqual(items.map(norm).sort(), expected.map(norm).sort());
    assert.equal(typeof items[0]!.value, "string", "int64 values stay strings as delivered");
    assert.equal(items[0]!.source, "FITBIT:Pixel Watch 3");
  });

  test("paces itself under the per-user quota: a backfill that bursts into 429s unpaced gets none paced", async () => {
    // The API's 300 per 60 s, scaled to 12 per second so the test takes seconds.
    const tight = await startGoogleHealthDouble({ now: () => NOW, quotaPerMinute: 12, quotaWindowMs: 1000 });
    try {
      const rt = tight.addUser(user).refreshToken;
      const day: TimeWindow = { from: new Date("2026-11-18T00:00:00Z"), to: new Date("2026-11-19T00:00:00Z") };
      // Unpaced (and retrying without waiting), the backfill runs into the quota and gives up.
      await assert.rejects(collect(client({ pageSize: 500 }, tight, rt).samples("heart_rate", day)), /HTTP 429 RESOURCE_EXHAUSTED.*gave up/);
      const rejected = tight.stats.quotaRejections;
      assert.ok(rejected > 0);
      await new Promise((r) => setTimeout(r, 1100)); // a fresh quota window
      const started = performance.now();
      const paced = await collect(client({ pageSize: 500, quota: { requests: 12, windowMs: 1000 } }, tight, rt).samples("heart_rate", day));
      const seconds = (performance.now() - started) / 1000;
      assert.equal(tight.stats.quotaRejections, rejected, "paced: no 429 at all");
      assert.equal(paced.items.length, (await samples(synthetic, "heart_rate", day)).length);
      // 1 saved token, then 11 per second: n pages take at least (n - 1) / 11 s.
      assert.ok(seconds >= (paced.pages.length - 1) / 11 - 0.05, `${paced.pages.length} pages in ${seconds.toFixed(2)} s`);
    } finally {
      await tight.close();
    }
  });

  test("every metric and sleep parse from the documented shapes", async () => {
    const src = client();
    for (const metric of ["steps", "spo2", "hrv", "resting_heart_rate"] as const) {
      const got = await samples(src, metric);
      const want = await samples(synthetic, metric);
      assert.ok(got.length > 0, metric);
      assert.deepEqual(
        got.map((s) => [Date.parse(s.time), Number(s.value)]).sort(),
        want.map((s) => [Date.parse(s.time), Number(s.value)]).sort(),
        metric,
      );
    }
    const rhr = await samples(src, "resting_heart_rate");
    assert.ok(rhr.every((s) => /^\d{4}-\d{2}-\d{2}T00:00:00Z$/.test(s.time)));
    const sleep = (await collect(src.sleep({ from: new Date(NOW.getTime() - 7 * DAY), to: NOW }))).items;
    const want = (await collect(synthetic.sleep({ from: new Date(NOW.getTime() - 7 * DAY), to: NOW }))).items;
    assert.equal(sleep.length, want.length);
    assert.ok(sleep.length >= 7);
    const bySuffix = new Map(want.map((s) => [s.sessionId, s]));
    for (const s of sleep) {
      assert.match(s.sessionId, /^users\/\d+\/dataTypes\/sleep\/dataPoints\//);
      const w = bySuffix.get(decodeURIComponent(s.sessionId.split("/").pop()!))!;
      assert.ok(w, s.sessionId);
      assert.equal(Date.parse(s.startTime), Date.parse(w.startTime));
      assert.equal(Date.parse(s.endTime), Date.parse(w.endTime));
      assert.equal(s.type, w.type);
      assert.equal(s.isMain, w.isMain);
      assert.equal(s.minutesAsleep, w.minutesAsleep);
      assert.equal(s.stages.length, w.stages.length);
      assert.equal(s.manuallyEdited, false);
    }
    // Sleep pages hold at most 25 sessions.
    const pages = (await collect(client({ sleepPageSize: 2 }).sleep({ from: new Date(NOW.getTime() - 7 * DAY), to: NOW }))).pages;
    assert.ok(pages.length >= 4 && pages.every((p) => p.length <= 2));
  });

  test("a 429 storm is retried with full-jitter exponential backoff, honouring Retry-After", async () => {
    const delays: number[] = [];
    double.injectFault({ kind: "status", status: 429, times: 3, dataType: "steps" });
    double.injectFault({ kind: "status", status: 429, times: 1, retryAfterSeconds: 7, dataType: "steps" });
    const before = statusCount(429);
    const got = await samples(client({ retry: fastRetry(delays) }), "steps");
    assert.equal(got.length, 2 * 1440);
    assert.equal(statusCount(429) - before, 4);
    // random() = 0.5: half of min(1000, 100 * 2^n); then Retry-After 7 s wins over the jitter.
    assert.deepEqual(delays, [50, 100, 200, 7000]);
  });

  test("a 429 storm longer than the retry budget fails with the quota status quoted", async () => {
    double.injectFault({ kind: "status", status: 429, times: 6, dataType: "steps" });
    await assert.rejects(samples(client(), "steps"), (err: Error) => {
      assert.match(err.message, /RESOURCE_EXHAUSTED/);
      assert.match(err.message, /gave up after 6 attempts/);
      assert.ok(!(err instanceof PermanentSourceError), "quota exhaustion is retryable by a later run");
      return true;
    });
    double.clearFaults();
  });

  test("a Retry-After beyond the job's patience fails at once instead of sleeping", async () => {
    double.injectFault({ kind: "status", status: 429, times: 1, retryAfterSeconds: 3600, dataType: "steps" });
    await assert.rejects(samples(client(), "steps"), /retry after 3600 s/);
  });

  test("500, 502 (HTML) and 503 UNAVAILABLE are retried", async () => {
    double.injectFault({ kind: "status", status: 500, times: 1, dataType: "heart-rate-variability" });
    double.injectFault({ kind: "status", status: 502, times: 1, dataType: "heart-rate-variability" });
    double.injectFault({ kind: "status", status: 503, times: 2, dataType: "heart-rate-variability" });
    const got = await samples(client(), "hrv");
    assert.deepEqual(got.length, (await samples(synthetic, "hrv")).length);
    assert.ok(got.length > 0);
  });

  test("truncated JSON is retried; if it persists the error says so", async () => {
    double.injectFault({ kind: "truncate", times: 2, dataType: "oxygen-saturation" });
    assert.equal((await samples(client(), "spo2")).length, (await samples(synthetic, "spo2")).length);
    double.injectFault({ kind: "truncate", times: 6, dataType: "oxygen-saturation" });
    await assert.rejects(samples(client(), "spo2"), /not valid JSON .*truncated/);
    double.clearFaults();
  });

  test("an expired access token is refreshed once and the request repeated", async () => {
    const src = client();
    await samples(src, "resting_heart_rate");
    const issued = double.stats.accessTokensIssued;
    const before401 = statusCount(401);
    double.expireAccessTokens();
    assert.ok((await samples(src, "resting_heart_rate")).length > 0);
    assert.equal(double.stats.accessTokensIssued - issued, 1);
    assert.equal(statusCount(401) - before401, 1);
  });

  test("the cached access token is reused, and concurrent requests share one refresh", async () => {
    const src = client();
    const issued = double.stats.accessTokensIssued;
    await Promise.all((["steps", "spo2", "hrv", "resting_heart_rate"] as const).map((m) => samples(src, m)));
    await samples(src, "steps");
    assert.equal(double.stats.accessTokensIssued - issued, 1);
  });

  test("short-lived access tokens are refreshed before they expire, without a 401", async () => {
    const d = await startGoogleHealthDouble({ now: () => NOW, accessTokenLifetimeSeconds: 1 });
    try {
      const rt = d.addUser(user).refreshToken;
      const src = client({}, d, rt);
      await samples(src, "resting_heart_rate");
      await new Promise((r) => setTimeout(r, 1100));
      await samples(src, "resting_heart_rate");
      assert.equal(d.stats.accessTokensIssued, 2);
      assert.equal(d.requests.filter((r) => r.status === 401).length, 0);
    } finally {
      await d.close();
    }
  });

  test("a revoked refresh token ends with a PermanentSourceError asking for re-consent", async () => {
    const d = await startGoogleHealthDouble({ now: () => NOW });
    try {
      const rt = d.addUser(user).refreshToken;
      const src = client({}, d, rt);
      await samples(src, "resting_heart_rate");
      d.revokeRefreshTokens(user.participantId);
      d.expireAccessTokens();
      await assert.rejects(samples(src, "resting_heart_rate"), (err: Error) => {
        assert.ok(err instanceof PermanentSourceError);
        assert.match(err.message, /invalid_grant/);
        assert.match(err.message, /re-consent/);
        assert.match(err.message, /test token store/);
        return true;
      });
    } finally {
      await d.close();
    }
  });

  test("a wrong OAuth client is permanent and names client_id/client_secret", async () => {
    const store = memoryStore({ clientId: "someone-else", clientSecret: "nope", refreshToken });
    const src = createGoogleHealthSource({ tokenStore: store, apiBaseUrl: double.url, tokenUrl: double.tokenUrl, retry: fastRetry(), logger });
    await assert.rejects(samples(src, "steps"), (err: Error) => err instanceof PermanentSourceError && /client_id and client_secret/.test(err.message));
  });

  test("token endpoint 503s are retried", async () => {
    double.injectFault({ kind: "status", status: 503, times: 2, target: "token" });
    assert.ok((await samples(client(), "resting_heart_rate")).length > 0);
  });

  test("403 is permanent; 404 quotes the google.rpc.Status; 410 explains the Fitbit shutdown", async () => {
    double.injectFault({ kind: "status", status: 403, times: 1, dataType: "steps" });
    await assert.rejects(samples(client(), "steps"), (err: Error) => err instanceof PermanentSourceError && /PERMISSION_DENIED/.test(err.message) && /re-consent/.test(err.message));
    double.injectFault({ kind: "status", status: 404, times: 1, dataType: "steps" });
    await assert.rejects(samples(client(), "steps"), (err: Error) => {
      assert.ok(err instanceof GoogleHealthApiError);
      assert.equal(err.rpcStatus, "NOT_FOUND");
      assert.match(err.message, /list steps page 1 failed: HTTP 404 NOT_FOUND: Injected fault/);
      return true;
    });
    // A client still pointed at the legacy Fitbit Web API.
    const legacy = client({ apiBaseUrl: `${double.url}1/` });
    await assert.rejects(samples(legacy, "steps"), (err: Error) => err instanceof PermanentSourceError && /410 Gone/.test(err.message) && /2 Nov 2026/.test(err.message));
    const legacyToken = client({ tokenUrl: `${double.url}oauth2/token` });
    await assert.rejects(samples(legacyToken, "steps"), (err: Error) => err instanceof PermanentSourceError && /shut down/.test(err.message));
  });

  test("an empty day yields no points for that day and all points for the others", async () => {
    double.injectFault({ kind: "empty-day", date: "2026-11-17", dataType: "heart-rate" });
    try {
      const got = await samples(client(), "heart_rate");
      assert.ok(got.length > 1000);
      assert.ok(got.every((s) => s.time.startsWith("2026-11-18")));
      const want = (await samples(synthetic, "heart_rate")).filter((s) => s.time.startsWith("2026-11-18"));
      assert.equal(got.length, want.length);
    } finally {
      double.clearFaults();
    }
  });

  test("bad data passes through unchanged for the ingest job to reject", async () => {
    const bad = [
      { dataSource: { platform: "FITBIT" }, heartRate: { beatsPerMinute: "300", sampleTime: { physicalTime: "2026-11-18T10:00:00Z" } } },
      { dataSource: { platform: "FITBIT" }, heartRate: { beatsPerMinute: "61", sampleTime: { physicalTime: "yesterday at noon" } } },
      { heartRate: { beatsPerMinute: "abc" } },
      {},
    ];
    double.injectFault({ kind: "extra-points", dataType: "heart-rate", points: bad });
    double.injectFault({ kind: "extra-points", dataType: "steps", points: [{ steps: { count: "-5", interval: { startTime: "2026-11-18T10:00:00Z" } } }] });
    double.injectFault({ kind: "extra-points", dataType: "sleep", points: [{ name: "users/1/dataTypes/sleep/dataPoints/x", sleep: { type: "WEIRD", summary: {} } }] });
    try {
      const hr = await samples(client(), "heart_rate");
      assert.deepEqual(hr.slice(0, 4), [
        { time: "2026-11-18T10:00:00Z", value: "300", source: "FITBIT" },
        { time: "yesterday at noon", value: "61", source: "FITBIT" },
        { time: "", value: "abc", source: "UNKNOWN" },
        { time: "", value: "", source: "UNKNOWN" },
      ]);
      const steps = await samples(client(), "steps");
      assert.deepEqual(steps[0], { time: "2026-11-18T10:00:00Z", value: "-5", source: "UNKNOWN" });
      const sleep = (await collect(client().sleep(twoDays))).items;
      const weird = sleep.find((s) => s.type === "WEIRD")!;
      assert.equal(weird.startTime, "");
      assert.ok(Number.isNaN(weird.minutesAsleep));
    } finally {
      double.clearFaults();
    }
  });

  test("a rotated refresh token is stored before the new access token is used", async () => {
    const d = await startGoogleHealthDouble({ now: () => NOW, rotateRefreshTokens: true });
    const dir = await mkdtemp(join(tmpdir(), "wearable-tokens-"));
    try {
      const rt = d.addUser(user).refreshToken;
      const file = join(dir, "p001.json");
      await writeFile(file, JSON.stringify({ client_id: d.clientId, client_secret: d.clientSecret, refresh_token: rt }));
      const src = createGoogleHealthSource({ tokenStore: createFileTokenStore(file), apiBaseUrl: d.url, tokenUrl: d.tokenUrl, retry: fastRetry(), logger });
      await samples(src, "resting_heart_rate");
      const stored = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
      assert.notEqual(stored.refresh_token, rt);
      assert.equal(stored.refresh_token, d.refreshTokenOf(user.participantId));
      assert.equal(stored.client_secret, d.clientSecret, "other keys kept");
      // A later run (new process) starts from the stored token; the old one is dead.
      const rerun = createGoogleHealthSource({ tokenStore: createFileTokenStore(file), apiBaseUrl: d.url, tokenUrl: d.tokenUrl, retry: fastRetry(), logger });
      d.expireAccessTokens();
      assert.ok((await samples(rerun, "resting_heart_rate")).length > 0);

      // If storing fails, the job stops before any API call with the new access token.
      const apiCalls = d.stats.apiRequests;
      const failing = memoryStore({ clientId: d.clientId, clientSecret: d.clientSecret, refreshToken: d.refreshTokenOf(user.participantId)! }, async () => {
        throw new Error("disk full");
      });
      const src2 = createGoogleHealthSource({ tokenStore: failing, apiBaseUrl: d.url, tokenUrl: d.tokenUrl, retry: fastRetry(), logger });
      await assert.rejects(samples(src2, "steps"), /disk full/);
      assert.equal(d.stats.apiRequests, apiCalls);
    } finally {
      await d.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the per-user quota answers 429 and the client backs off until it passes", async () => {
    const d = await startGoogleHealthDouble({ now: () => NOW, quotaPerMinute: 5, quotaWindowMs: 400 });
    try {
      const rt = d.addUser(user).refreshToken;
      const src = client({ pageSize: 100, retry: { baseDelayMs: 100, maxDelayMs: 400, maxRetries: 8 } }, d, rt);
      const got = await samples(src, "steps", { from: new Date("2026-11-18T00:00:00Z"), to: new Date("2026-11-18T20:00:00Z") });
      assert.equal(got.length, 1200);
      assert.ok(d.stats.quotaRejections > 0, "the quota was hit");
      assert.equal(d.requests.filter((r) => r.status === 200 && r.path.endsWith("/dataPoints")).length, 12);
    } finally {
      await d.close();
    }
  });

  test("bad configuration is rejected with the field named", () => {
    const tokenStore = memoryStore({ clientId: "a", clientSecret: "b", refreshToken: "c" });
    assert.throws(() => createGoogleHealthSource({ tokenStore, apiBaseUrl: "health.googleapis.com" }), /apiBaseUrl: "health.googleapis.com" is not an absolute URL/);
    assert.throws(() => createGoogleHealthSource({ tokenStore, pageSize: 20_000 }), /pageSize: 20000 must be an integer from 1 to 10000/);
    assert.throws(() => createGoogleHealthSource({ tokenStore, sleepPageSize: 26 }), /sleepPageSize/);
  });

  test("no access or refresh token ever reaches the log", () => {
    assert.ok(logText.includes("retrying"), "the tests above logged retries");
    assert.ok(!/ya29\.double-/.test(logText), "no access token in logs");
    assert.ok(!logText.includes("1//double-"), "no refresh token in logs");
    assert.ok(!logText.includes(refreshToken));
  });
});
