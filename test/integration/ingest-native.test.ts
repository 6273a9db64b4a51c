// The ingest job on native PostgreSQL (plain, no TimescaleDB), the way the
// CronJob runs it: the `wearable ingest` CLI with its termination message, a
// SIGKILL mid-run followed by a re-run (exact counts), the per-participant
// lock, and ingestion from the Google Health API double with its faults.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import pg from "pg";
import { openDb, type Db } from "../../jobs/db/pool.ts";
import { queryRows } from "../../jobs/db/query.ts";
import { ingest, type IngestError } from "../../jobs/ingest/ingest.ts";
import { migrate } from "../../jobs/migrate/migrate.ts";
import { createGoogleHealthSource } from "../../jobs/sources/google-health/client.ts";
import { encodeSample } from "../../jobs/sources/google-health/double/encode.ts";
import { startGoogleHealthDouble, type GoogleHealthDouble } from "../../jobs/sources/google-health/double/server.ts";
import { createFileTokenStore } from "../../jobs/sources/google-health/token-store.ts";
import { createSyntheticSource } from "../../jobs/sources/synthetic/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { startNativePostgres, type NativePostgres } from "../harness/postgres.ts";
import { tempDir } from "../harness/processes.ts";
import { expectedKeys, sampleCounts, watermarks } from "./ingest-fixtures.ts";

const run = promisify(execFile);
const NOW = "2026-11-20T12:00:00Z";

describe("ingest on native PostgreSQL", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let server: NativePostgres;
  let db: Db;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const log = createLogger({ name: "ingest-native-test", level: "silent" });
  const cliEnv = (extra: Record<string, string> = {}) => ({ ...process.env, DATABASE_URL: server.url, LOG_LEVEL: "warn", ...extra });

  before(async () => {
    server = await startNativePostgres();
    db = await openDb(server.url, { log });
    await migrate(db.pool);
    dir = await tempDir("ingest-native");
  });
  after(async () => {
    await db?.close();
    await server?.stop();
    await dir?.remove();
  });

  test("`wearable ingest` exits 0 and leaves the termination message the operator reads", async () => {
    const termination = join(dir.path, "termination-ok");
    await run(process.execPath, ["bin/wearable.ts", "ingest", "--participant", "cli1", "--source", "synthetic", "--profile", "struggling",
      "--seed", "11", "--time-zone", "America/New_York", "--backfill-days", "8", "--now", NOW], { env: cliEnv({ TERMINATION_LOG: termination }) });
    const text = await readFile(termination, "utf8");
    assert.equal(text.split("\n").length, 2, "one line");
    const msg = JSON.parse(text);
    const [run1] = await queryRows<{ rows_written: number; rows_rejected: number }>(db.pool, "SELECT rows_written, rows_rejected FROM pipeline_runs WHERE participant_id = 'cli1'");
    const last = await queryRows<{ last: Date }>(db.pool, "SELECT max(ts) AS last FROM samples WHERE participant_id = 'cli1' AND metric IN ('heart_rate', 'steps')");
    const week = await queryRows<{ wear: number; valid: number }>(db.pool,
      "SELECT sum(wear_minutes)::int AS wear, count(*) FILTER (WHERE valid_day)::int AS valid FROM adherence_daily WHERE participant_id = 'cli1' AND day BETWEEN '2026-11-13' AND '2026-11-19'");
    assert.deepEqual(msg, {
      kind: "ingest", participantId: "cli1", rowsWritten: run1!.rows_written, rowsRejected: 0, lastSampleTime: last[0]!.last.toISOString(),
      adherence: { windowDays: 7, wearPercent: Math.round((week[0]!.wear / (7 * 1440)) * 1000) / 10, validDays: week[0]!.valid },
    });
    assert.ok(msg.adherence.validDays < 7, "a struggling participant misses valid days");
    const tz = await queryRows<{ time_zone: string }>(db.pool, "SELECT time_zone FROM participants WHERE participant_id = 'cli1'");
    assert.equal(tz[0]?.time_zone, "America/New_York");
  });

  test("bad flags exit 2 naming the flag; a failure exits 1 with the reason in the termination message", async () => {
    await assert.rejects(run(process.execPath, ["bin/wearable.ts", "ingest", "--participant", "x", "--source", "fitbit"], { env: cliEnv() }),
      (err: { code: number; stderr: string }) => err.code === 2 && /--source: "fitbit" is not a source; use one of synthetic, google-health/.test(err.stderr));
    await assert.rejects(run(process.execPath, ["bin/wearable.ts", "ingest", "--participant", "x", "--source", "synthetic", "--time-zone", "Mars/Olympus"], { env: cliEnv() }),
      (err: { code: number; stderr: string }) => err.code === 2 && /--time-zone: "Mars\/Olympus" is not an IANA time zone/.test(err.stderr));
    const termination = join(dir.path, "termination-fail");
    await assert.rejects(
      run(process.execPath, ["bin/wearable.ts", "ingest", "--participant", "x", "--source", "synthetic", "--profile", "sloth"], { env: cliEnv({ TERMINATION_LOG: termination }) }),
      (err: { code: number; stderr: string }) => err.code === 1 && /profile: "sloth" is not a synthetic profile/.test(err.stderr),
    );
    const msg = JSON.parse(await readFile(termination, "utf8"));
    assert.equal(msg.kind, "ingest");
    assert.match(msg.error, /ingest of participant x failed: profile: "sloth" is not a synthetic profile; use one of compliant/);
  });

  test("SIGKILL in the middle of a run, then a re-run: exact row counts, no duplicates, the killed run marked failed", async () => {
    const args = ["bin/wearable.ts", "ingest", "--participant", "kill1", "--source", "synthetic", "--seed", "3", "--backfill-days", "6",
      "--metrics", "heart_rate,steps,sleep", "--batch-size", "2000", "--now", NOW];
    const child = spawn(process.execPath, args, { env: cliEnv(), stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // Kill once some batches are committed, well before the run can finish.
    const counter = new pg.Client(server.url);
    await counter.connect();
    let seen = 0;
    for (let i = 0; i < 400 && seen < 20_000; i++) {
      seen = Number((await counter.query("SELECT count(*) AS n FROM samples WHERE participant_id = 'kill1'")).rows[0].n);
      if (seen < 20_000) await sleep(25);
    }
    child.kill("SIGKILL");
    await exited;
    await counter.end();
    const partial = await sampleCounts(db, "kill1");
    assert.ok((partial.heart_rate ?? 0) >= 20_000, `batches were committed before the kill: ${JSON.stringify(partial)}`);
    assert.equal((await watermarks(db, "kill1")).heart_rate, undefined, "heart_rate was not finished, so its watermark did not move");

    await run(process.execPath, args, { env: cliEnv() });
    const source = createSyntheticSource({ participantId: "kill1", seed: 3, profile: "compliant", now: new Date(NOW) });
    const window = { from: new Date("2026-11-14T00:00:00Z"), to: new Date(NOW) };
    const counts = await sampleCounts(db, "kill1");
    assert.equal(counts.heart_rate, (await expectedKeys(source, "heart_rate", window)).size);
    assert.equal(counts.steps, (await expectedKeys(source, "steps", window)).size);
    const runs = await queryRows<{ status: string; error: string | null }>(db.pool, "SELECT status, error FROM pipeline_runs WHERE participant_id = 'kill1' ORDER BY id");
    assert.deepEqual(runs.map((r) => r.status), ["failed", "succeeded"]);
    assert.match(runs[0]!.error!, /abandoned/);
    // Same data again: nothing changes.
    await run(process.execPath, args, { env: cliEnv() });
    assert.deepEqual(await sampleCounts(db, "kill1"), counts);
  });

  test("a first read streams COPY batch by batch; a repeated point falls back to an upsert of its batch (the later delivery wins)", async () => {
    const t = (minute: number) => new Date(Date.parse("2026-11-19T08:00:00Z") + minute * 60_000).toISOString();
    const point = (minute: number, value: number) => ({ time: t(minute), value: String(value), source: "FITBIT:Charge 6" });
    const pages = [
      [point(0, 60), point(1, 61)],
      [point(2, 62), point(1, 71)], // minute 1 again, already committed by the first batch
      [point(3, 63), point(3, 73)], // minute 3 twice within one batch
      [point(4, 64)],
    ];
    const source = { name: "pages", async *samples(metric: string) { if (metric === "heart_rate") yield* pages; }, async *sleep() {} };
    const batches: number[] = [];
    const r = await ingest({ db, source, participantId: "stream1", metrics: ["heart_rate"], now: new Date(NOW), backfillDays: 3, batchRows: 2, log,
      onBatch: ({ rows }) => { batches.push(rows); } });
    const stored = await queryRows<{ ts: Date; value: number }>(db.pool, "SELECT ts, value FROM samples WHERE participant_id = 'stream1' ORDER BY ts");
    assert.deepEqual(stored.map((x) => [x.ts.toISOString(), x.value]), [[t(0), 60], [t(1), 71], [t(2), 62], [t(3), 73], [t(4), 64]]);
    assert.deepEqual(batches, [2, 2, 1, 1]);
    const hr = r.metrics.heart_rate!;
    assert.deepEqual([hr.accepted, hr.duplicates, hr.batches, hr.written], [6, 1, 4, 6]);
    assert.equal(hr.watermark, t(4));
  });

  test("a second ingest of the same participant is refused while one runs", async () => {
    const holder = new pg.Client(server.url);
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(7271, hashtext('lock1'))");
      const source = createSyntheticSource({ participantId: "lock1", seed: 1, profile: "compliant", now: new Date(NOW) });
      await assert.rejects(ingest({ db, source, participantId: "lock1", metrics: ["steps"], now: new Date(NOW), log }),
        /another ingest of participant lock1 is running \(advisory lock held\); let it finish, then re-run/);
    } finally {
      await holder.end();
    }
  });

  describe("from the Google Health API double", () => {
    let double: GoogleHealthDouble;
    const who = { participantId: "gh1", seed: 2024, profile: "compliant", timeZone: "Europe/Berlin" };
    let tokenFile: string;
    const fastRetry = { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 6 };
    const source = () => createGoogleHealthSource({ tokenStore: createFileTokenStore(tokenFile), apiBaseUrl: double.url, tokenUrl: double.tokenUrl, retry: fastRetry, logger: log });

    before(async () => {
      double = await startGoogleHealthDouble({ now: () => new Date(NOW) });
      const { refreshToken } = double.addUser(who);
      tokenFile = join(dir.path, "gh1-token.json");
      await writeFile(tokenFile, JSON.stringify({ client_id: double.clientId, client_secret: double.clientSecret, refresh_token: refreshToken }));
    });
    after(async () => {
      await double?.close();
    });

    test("429 storm, 500s, a truncated body and an expired access token are retried; every point lands once", async () => {
      double.injectFault({ kind: "status", status: 429, times: 3, dataType: "heart-rate" });
      double.injectFault({ kind: "status", status: 500, times: 2, dataType: "steps" });
      double.injectFault({ kind: "truncate", times: 1, dataType: "heart-rate" });
      double.expireAccessTokens();
      const r = await ingest({ db, source: source(), participantId: who.participantId, metrics: ["heart_rate", "steps", "sleep"], timeZone: who.timeZone, now: new Date(NOW), backfillDays: 3, log });
      assert.ok(double.stats.byStatus[429]! >= 3 && double.stats.byStatus[500]! >= 2, JSON.stringify(double.stats.byStatus));
      const truth = createSyntheticSource({ ...who, now: new Date(NOW) });
      const counts = await sampleCounts(db, who.participantId);
      for (const metric of ["heart_rate", "steps"] as const) {
        const window = { from: new Date(r.metrics[metric]!.window.from), to: new Date(NOW) };
        assert.equal(counts[metric], (await expectedKeys(truth, metric, window)).size, metric);
      }
      const sleepRows = await queryRows<{ n: number }>(db.pool, "SELECT count(*)::int AS n FROM sleep_sessions WHERE participant_id = 'gh1'");
      assert.equal(sleepRows[0]?.n, r.metrics.sleep?.accepted);
      assert.ok(r.metrics.sleep!.accepted > 0);
    });

    test("an empty day shows up as a day without wear; bad wire values are rejected, not stored", async () => {
      double.clearFaults();
      double.injectFault({ kind: "empty-day", date: "2026-11-19", participantId: who.participantId });
      const who2 = { ...who, participantId: "gh2" };
      const { refreshToken } = double.addUser(who2);
      await writeFile(tokenFile, JSON.stringify({ client_id: double.clientId, client_secret: double.clientSecret, refresh_token: refreshToken }));
      double.injectFault({ kind: "empty-day", date: "2026-11-19", participantId: "gh2" });
      const utc = () => 0;
      const bad = [
        encodeSample("heart_rate", { time: "2026-11-18T10:00:00.250Z", value: "300", source: "x" }, utc),
        encodeSample("heart_rate", { time: "2026-11-18T10:00:01.250Z", value: "abc", source: "x" }, utc),
      ];
      double.injectFault({ kind: "extra-points", dataType: "heart-rate", points: bad, participantId: "gh2" });
      double.injectFault({ kind: "extra-points", dataType: "steps", participantId: "gh2",
        points: [encodeSample("steps", { time: "2026-11-18T10:00:00Z", value: "-4", source: "x" }, utc)] });
      const r = await ingest({ db, source: source(), participantId: "gh2", metrics: ["heart_rate", "steps"], timeZone: who.timeZone, now: new Date(NOW), backfillDays: 3, log });
      const days = await queryRows<{ day: string; wear_minutes: number; steps: number }>(db.pool,
        "SELECT day, wear_minutes, steps FROM adherence_daily WHERE participant_id = 'gh2' ORDER BY day");
      const d19 = days.find((d) => d.day === "2026-11-19");
      assert.deepEqual(d19 && { wear: d19.wear_minutes, steps: d19.steps }, { wear: 0, steps: 0 });
      assert.ok(days.filter((d) => d.day !== "2026-11-19" && d.day < "2026-11-20").every((d) => d.wear_minutes > 600));
      assert.deepEqual(r.metrics.heart_rate?.rejected, { heart_rate_out_of_range: 1, unparsable_value: 1 });
      assert.deepEqual(r.metrics.steps?.rejected, { negative_steps: 1 });
      const stored = await queryRows(db.pool,
        "SELECT 1 FROM samples WHERE participant_id = 'gh2' AND ((metric = 'heart_rate' AND value > 250) OR (metric = 'steps' AND value < 0))");
      assert.equal(stored.length, 0);
    });

    test("a revoked refresh token stops the job with an actionable error and leaves the watermarks", async () => {
      double.clearFaults();
      const before = await watermarks(db, "gh2");
      double.revokeRefreshTokens("gh2");
      await assert.rejects(
        ingest({ db, source: source(), participantId: "gh2", metrics: ["heart_rate", "steps"], now: new Date("2026-11-21T12:00:00Z"), log }),
        (err: IngestError) => {
          assert.equal(err.permanent, true);
          assert.match(err.message, /ingest of participant gh2 stopped: .*invalid_grant.*\(watermark left unchanged; fix the cause, then re-run\)/);
          return true;
        },
      );
      assert.deepEqual(await watermarks(db, "gh2"), before);
    });
  });
});
