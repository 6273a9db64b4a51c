// The double itself, over raw HTTP, against the published contract: filter
// subset and its INVALID_ARGUMENT errors, page sizes, opaque page tokens,
// newest-first order, google.rpc.Status bodies, auth, quota, token endpoint,
// identity and the legacy 410.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DATA_TYPES } from "../wire.ts";
import { bounds, FilterError, matches, parseFilter } from "./filter.ts";
import { startGoogleHealthDouble, type GoogleHealthDouble } from "./server.ts";

const NOW = new Date("2026-11-20T12:00:00Z");
const HR = "heart_rate.sample_time.physical_time";

describe("AIP-160 filter subset", () => {
  const hr = DATA_TYPES.heart_rate;
  const sleep = DATA_TYPES.sleep;
  test("parses >= and < joined by AND, with parentheses", () => {
    const f = parseFilter(`${HR} >= "2026-11-01T00:00:00Z" AND (${HR} < "2026-11-02T00:00:00+01:00")`, hr);
    assert.deepEqual(bounds(f), { lo: Date.parse("2026-11-01T00:00:00Z"), hi: Date.parse("2026-11-01T23:00:00Z") });
    assert.equal(matches(f, { physical: Date.parse("2026-11-01T22:59:59Z"), civil: 0 }), true);
    assert.equal(matches(f, { physical: Date.parse("2026-11-01T23:00:00Z"), civil: 0 }), false);
  });
  test("OR binds tighter than AND and is only allowed for sleep", () => {
    const e = "sleep.interval.end_time";
    const f = parseFilter(`${e} >= "2026-11-01T00:00:00Z" AND ${e} < "2026-11-02T00:00:00Z" OR ${e} >= "2026-11-05T00:00:00Z"`, sleep);
    assert.equal(f.kind, "and");
    assert.equal(matches(f, { physical: Date.parse("2026-11-06T00:00:00Z"), civil: 0 }), true);
    assert.equal(matches(f, { physical: Date.parse("2026-11-03T00:00:00Z"), civil: 0 }), false);
    assert.throws(() => parseFilter(`${HR} >= "2026-11-01T00:00:00Z" OR ${HR} < "2026-11-02T00:00:00Z"`, hr), /OR is only supported for sleep/);
  });
  test("civil-time fields compare wall-clock time; daily types take dates", () => {
    const f = parseFilter(`heart_rate.sample_time.civil_time >= "2026-11-01T08:00:00"`, hr);
    assert.equal(matches(f, { physical: 0, civil: Date.parse("2026-11-01T08:00:00Z") }), true);
    const d = parseFilter(`daily_resting_heart_rate.date >= "2026-11-01" AND daily_resting_heart_rate.date < "2026-11-03"`, DATA_TYPES.resting_heart_rate);
    assert.deepEqual(bounds(d), { lo: Date.parse("2026-11-01T00:00:00Z"), hi: Date.parse("2026-11-03T00:00:00Z") });
  });
  test("rejects everything outside the documented subset with the reason", () => {
    const bad: [string, RegExp][] = [
      [`${HR} > "2026-11-01T00:00:00Z"`, /operator ">" is not supported/],
      [`${HR} <= "2026-11-01T00:00:00Z"`, /operator "<=" is not supported/],
      [`${HR} = "2026-11-01T00:00:00Z"`, /operator "=" is not supported/],
      [`steps.interval.start_time >= "2026-11-01T00:00:00Z"`, /field "steps.interval.start_time" cannot be filtered on for heart-rate/],
      [`${HR} >= 2026-11-01`, /must be a double-quoted string/],
      [`${HR} >= "2026-11-01"`, /not valid; use e.g. "2026-11-01T00:00:00Z"/],
      [`${HR} >= "2026-11-01T00:00:00"`, /not valid/],
      [`NOT ${HR} >= "2026-11-01T00:00:00Z"`, /NOT is not supported/],
      [`${HR} >= "2026-11-01T00:00:00Z" ${HR} < "2026-11-02T00:00:00Z"`, /join comparisons with AND/],
      [`(${HR} >= "2026-11-01T00:00:00Z"`, /missing "\)"/],
      [`${HR} >= "2026-11-01T00:00:00Z`, /unterminated string/],
      [`   `, /empty/],
    ];
    for (const [filter, message] of bad) assert.throws(() => parseFilter(filter, hr), (e: Error) => e instanceof FilterError && message.test(e.message), filter);
  });
});

describe("Google Health API double over HTTP", () => {
  let d: GoogleHealthDouble;
  let access: string;
  const list = (dataType: string, params: Record<string, string>, token = access) => {
    const url = new URL(`v4/users/me/dataTypes/${dataType}/dataPoints`, d.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return fetch(url, { headers: { authorization: `Bearer ${token}` } });
  };
  const grant = (form: Record<string, string>) =>
    fetch(d.tokenUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });
  const day = `${HR} >= "2026-11-18T00:00:00Z" AND ${HR} < "2026-11-19T00:00:00Z"`;

  before(async () => {
    d = await startGoogleHealthDouble({ now: () => NOW, quotaPerMinute: 40, quotaWindowMs: 60_000 });
    const { refreshToken } = d.addUser({ participantId: "p1", seed: 5, profile: "compliant", timeZone: "Asia/Kolkata" });
    const res = await grant({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: d.clientId, client_secret: d.clientSecret });
    const body = (await res.json()) as { access_token: string; expires_in: number; token_type: string; scope: string };
    assert.equal(res.status, 200);
    assert.equal(body.expires_in, 3600);
    assert.equal(body.token_type, "Bearer");
    assert.match(body.scope, /googlehealth\.sleep\.readonly/);
    access = body.access_token;
  });
  after(async () => {
    await d.close();
  });

  test("points come newest first in documented shapes; pages join to the unpaged list without duplicates", async () => {
    const all = (await (await list("heart-rate", { filter: day, pageSize: "10000" })).json()) as { dataPoints: { heartRate: { beatsPerMinute: string; sampleTime: { physicalTime: string; utcOffset: string; civilTime: unknown } } }[]; nextPageToken?: string };
    assert.equal(all.nextPageToken, undefined);
    const first = all.dataPoints[0]!.heartRate;
    assert.match(first.beatsPerMinute, /^\d+$/);
    assert.equal(first.sampleTime.utcOffset, "19800s");
    assert.ok(first.sampleTime.civilTime);
    const times = all.dataPoints.map((p) => Date.parse(p.heartRate.sampleTime.physicalTime));
    assert.ok(times.every((t, i) => i === 0 || t < times[i - 1]!));
    const paged: number[] = [];
    let pageToken: string | undefined;
    do {
      const res = (await (await list("heart-rate", { filter: day, pageSize: "1000", ...(pageToken ? { pageToken } : {}) })).json()) as typeof all;
      assert.ok(res.dataPoints.length <= 1000);
      paged.push(...res.dataPoints.map((p) => Date.parse(p.heartRate.sampleTime.physicalTime)));
      pageToken = res.nextPageToken;
    } while (pageToken);
    assert.deepEqual(paged, times);
  });

  test("page sizes: default 1440, capped at 10000; sleep capped at 25", async () => {
    const week = `${HR} >= "2026-11-13T00:00:00Z" AND ${HR} < "2026-11-20T00:00:00Z"`;
    assert.equal(((await (await list("heart-rate", { filter: week })).json()) as { dataPoints: unknown[] }).dataPoints.length, 1440);
    assert.equal(((await (await list("heart-rate", { filter: week, pageSize: "50000" })).json()) as { dataPoints: unknown[] }).dataPoints.length, 10_000);
    const sleep = (await (await list("sleep", { pageSize: "100" })).json()) as { dataPoints: unknown[]; nextPageToken?: string };
    assert.equal(sleep.dataPoints.length, 25);
    assert.ok(sleep.nextPageToken);
    const bad = await list("heart-rate", { filter: week, pageSize: "-3" });
    assert.equal(bad.status, 400);
  });

  test("bad filters and page tokens answer 400 INVALID_ARGUMENT in the google.rpc.Status shape", async () => {
    const res = await list("heart-rate", { filter: `${HR} > "2026-11-18T00:00:00Z"` });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: number; status: string; message: string; details: { reason: string }[] } };
    assert.equal(body.error.code, 400);
    assert.equal(body.error.status, "INVALID_ARGUMENT");
    assert.match(body.error.message, /operator ">" is not supported/);
    assert.equal(body.error.details[0]!.reason, "INVALID_DATA_POINT_FILTER");
    const first = (await (await list("heart-rate", { filter: day, pageSize: "10" })).json()) as { nextPageToken: string };
    assert.equal((await list("heart-rate", { filter: day, pageSize: "10", pageToken: "garbage!" })).status, 400);
    const other = await list("steps", { pageToken: first.nextPageToken });
    assert.equal(other.status, 400);
    assert.match(((await other.json()) as { error: { message: string } }).error.message, /page token does not belong/);
    assert.equal((await list("blood-glucose", {})).status, 404);
  });

  test("authentication: missing and unknown tokens get 401 UNAUTHENTICATED with a challenge", async () => {
    const res = await fetch(new URL("v4/users/me/dataTypes/steps/dataPoints", d.url));
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal(((await res.json()) as { error: { status: string } }).error.status, "UNAUTHENTICATED");
    assert.equal((await list("steps", {}, "ya29.forged")).status, 401);
  });

  test("identity maps the legacy Fitbit id to the healthUserId", async () => {
    const res = await fetch(new URL("v4/users/me/identity", d.url), { headers: { authorization: `Bearer ${access}` } });
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body.name, "users/me/identity");
    assert.match(body.healthUserId!, /^\d+$/);
    assert.ok(body.legacyUserId);
  });

  test("token endpoint errors follow OAuth 2.0: invalid_grant, invalid_client, unsupported_grant_type", async () => {
    const ok = { client_id: d.clientId, client_secret: d.clientSecret };
    const revoked = await grant({ grant_type: "refresh_token", refresh_token: "1//never-issued", ...ok });
    assert.equal(revoked.status, 400);
    assert.equal(((await revoked.json()) as { error: string }).error, "invalid_grant");
    const client = await grant({ grant_type: "refresh_token", refresh_token: "x", client_id: "x", client_secret: "y" });
    assert.equal(client.status, 401);
    assert.equal(((await client.json()) as { error: string }).error, "invalid_client");
    const code = await grant({ grant_type: "authorization_code", code: "x", ...ok });
    assert.equal(((await code.json()) as { error: string }).error, "unsupported_grant_type");
  });

  test("legacy Fitbit Web API paths answer 410 Gone; unimplemented methods 501", async () => {
    assert.equal((await fetch(new URL("1/user/-/activities/heart/date/today/1d.json", d.url))).status, 410);
    assert.equal((await fetch(new URL("oauth2/token", d.url), { method: "POST" })).status, 410);
    const roll = await fetch(new URL("v4/users/me/dataTypes/steps/dataPoints:rollUp", d.url), { method: "POST" });
    assert.equal(roll.status, 501);
  });

  test("the per-user quota answers 429 RESOURCE_EXHAUSTED once exceeded", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await list("daily-resting-heart-rate", {})).status);
    assert.ok(statuses.includes(429));
    const res = await list("daily-resting-heart-rate", {});
    assert.equal(res.status, 429);
    assert.equal(((await res.json()) as { error: { status: string } }).error.status, "RESOURCE_EXHAUSTED");
    assert.ok(d.stats.quotaRejections >= 2);
  });

  test("admin endpoint injects faults for manual use", async () => {
    const res = await fetch(new URL("_double/faults", d.url), { method: "POST", body: JSON.stringify({ kind: "status", status: 42 }) });
    assert.equal(res.status, 400, "a malformed fault is refused");
    const ok = await fetch(new URL("_double/faults", d.url), { method: "POST", body: JSON.stringify({ kind: "status", status: 503, target: "token" }) });
    assert.equal(ok.status, 204);
    assert.equal((await grant({ grant_type: "refresh_token" })).status, 503);
  });
});
