// The ingest job against the embedded TimescaleDB (the `make demo` database):
// adherence equals the synthetic ground truth across a DST change, bad data is
// counted and never stored, a failure between batches followed by a re-run
// leaves exact row counts, permanent source errors leave the watermark, and
// late syncs are caught up.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { startEmbeddedDb, type EmbeddedDb } from "../../jobs/db/embedded.ts";
import { openDb, type Db } from "../../jobs/db/pool.ts";
import { queryRows } from "../../jobs/db/query.ts";
import { ingest, type IngestError } from "../../jobs/ingest/ingest.ts";
import { migrate } from "../../jobs/migrate/migrate.ts";
import { createSyntheticSource, groundTruthDays } from "../../jobs/sources/synthetic/index.ts";
import { PermanentSourceError } from "../../jobs/sources/types.ts";
import { createLogger } from "../../lib/logger.ts";
import { expectedKeys, sampleCounts, tamperedSource, watermarks } from "./ingest-fixtures.ts";

const DAY = 86_400_000;

describe("ingest into the embedded TimescaleDB", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let server: EmbeddedDb;
  let db: Db;
  const logStream = new PassThrough();
  let logText = "";
  logStream.on("data", (c: Buffer) => (logText += c.toString()));
  const log = createLogger({ name: "ingest-test", level: "info", destination: logStream });

  before(async () => {
    server = await startEmbeddedDb();
    db = await openDb(server.url, { log });
    await migrate(db.pool);
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  test("adherence_daily equals the synthetic ground truth, in the participant's zone, across the DST change", async () => {
    // Europe/Amsterdam leaves summer time on 2026-10-25: that local day has 25 hours.
    const who = { participantId: "dst1", seed: 1001, profile: "struggling", timeZone: "Europe/Amsterdam" };
    const now = new Date("2026-10-28T12:00:00Z");
    const source = createSyntheticSource({ ...who, now });
    const r = await ingest({ db, source, participantId: who.participantId, metrics: ["heart_rate", "steps", "sleep"], timeZone: who.timeZone, now, backfillDays: 5, log });
    assert.equal(r.rowsRejected, 0);
    const days = await queryRows<{ day: string; wear_minutes: number; valid_day: boolean; steps: number; main_sleep_missing: boolean; sleep_classic: boolean; last_sync_at: Date }>(
      db.pool, "SELECT * FROM adherence_daily WHERE participant_id = $1 ORDER BY day", [who.participantId]);
    assert.deepEqual(days.map((d) => d.day), ["2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27", "2026-10-28"]);
    const truth = groundTruthDays(who, "2026-10-23", "2026-10-28");
    for (const t of truth) {
      const d = days.find((x) => x.day === t.date)!;
      assert.deepEqual(
        { day: d.day, wear: d.wear_minutes, valid: d.valid_day, steps: d.steps, noMain: d.main_sleep_missing, classic: d.sleep_classic },
        { day: t.date, wear: t.heartRateMinutes, valid: t.validDay, steps: t.steps, noMain: t.mainSleep === null, classic: t.mainSleep === "CLASSIC" },
      );
    }
    assert.ok(truth.some((t) => !t.validDay) && truth.some((t) => t.validDay), "the profile gives both valid and invalid days");
    // The hourly aggregate was refreshed explicitly (no background workers here).
    const hourly = await queryRows<{ n: number; samples: number }>(db.pool,
      "SELECT count(*)::int AS n, sum(sample_count)::int AS samples FROM heart_rate_hourly WHERE participant_id = $1", [who.participantId]);
    assert.equal(hourly[0]?.samples, (await sampleCounts(db, who.participantId)).heart_rate);
    const [run] = await queryRows<{ status: string; rows_written: number; finished_at: Date | null }>(db.pool,
      "SELECT status, rows_written, finished_at FROM pipeline_runs WHERE id = $1", [r.runId]);
    assert.equal(run?.status, "succeeded");
    assert.equal(run?.rows_written, r.rowsWritten);
    assert.ok(run?.finished_at);
  });

  test("bad points are counted and logged, never stored; a duplicate delivery is stored once", async () => {
    const who = { participantId: "bad1", seed: 7, profile: "compliant" };
    const now = new Date("2026-11-20T12:00:00Z");
    const clean = createSyntheticSource({ ...who, now });
    const dev = "synthetic";
    const source = tamperedSource(clean, {
      extra: {
        heart_rate: [
          { time: "2026-11-19T10:00:00.500Z", value: "300", source: dev },
          { time: "2026-11-19T10:00:01.500Z", value: 12, source: dev },
          { time: "2026-11-19T10:00:02.500Z", value: "NaN", source: dev },
          { time: "19/11/2026 10:00", value: 70, source: dev },
          { time: "2026-11-19T10:00:03.500", value: 70, source: dev },
          { time: "2026-11-21T10:00:00Z", value: 70, source: dev },
          // The same instant twice, written in two offsets: one row.
          { time: "2026-11-19T10:00:04.500Z", value: 71, source: dev },
          { time: "2026-11-19T11:00:04.500+01:00", value: 72, source: dev },
        ],
        steps: [{ time: "2026-11-19T10:00:00Z", value: "-5", source: "other-device" }],
      },
    });
    const window = { from: new Date(now.getTime() - 2 * DAY), to: now };
    const r = await ingest({ db, source, participantId: who.participantId, metrics: ["heart_rate", "steps"], now, backfillDays: 1, log });
    assert.equal(r.rowsRejected, 7);
    assert.deepEqual(r.metrics.heart_rate?.rejected, { heart_rate_out_of_range: 2, unparsable_value: 1, unparsable_timestamp: 1, timestamp_without_offset: 1, future_timestamp: 1 });
    assert.deepEqual(r.metrics.steps?.rejected, { negative_steps: 1 });
    assert.equal(r.metrics.heart_rate?.duplicates, 1);
    const stored = await queryRows<{ n: number; bad: number; dup: number }>(db.pool,
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE value NOT BETWEEN 25 AND 250)::int AS bad,
              count(*) FILTER (WHERE ts = '2026-11-19T10:00:04.500Z')::int AS dup
         FROM samples WHERE participant_id = $1 AND metric = 'heart_rate'`, [who.participantId]);
    const readWindowFrom = new Date(r.metrics.heart_rate!.window.from);
    const expected = await expectedKeys(clean, "heart_rate", { from: readWindowFrom, to: window.to });
    assert.deepEqual(stored[0], { n: expected.size + 1, bad: 0, dup: 1 });
    assert.equal((await queryRows(db.pool, "SELECT 1 FROM samples WHERE participant_id = $1 AND metric = 'steps' AND value < 0", [who.participantId])).length, 0);
    const [run] = await queryRows<{ rows_rejected: number; details: { metrics: { heart_rate: { rejected: Record<string, number> } } } }>(db.pool,
      "SELECT rows_rejected, details FROM pipeline_runs WHERE id = $1", [r.runId]);
    assert.equal(run?.rows_rejected, 7);
    assert.equal(run?.details.metrics.heart_rate.rejected.heart_rate_out_of_range, 2);
    assert.match(logText, /"msg":"Rejected invalid data points"/);
    assert.match(logText, /"reason":"heart_rate_out_of_range","time":"2026-11-19T10:00:00.500Z","value":"300"/);
  });

  test("a failure between batches, then a re-run: exact row counts, watermark only after commit", async () => {
    const who = { participantId: "crash1", seed: 99, profile: "compliant" };
    const now = new Date("2026-11-20T12:00:00Z");
    const source = createSyntheticSource({ ...who, now });
    let batches = 0;
    const crash = ingest({
      db, source, participantId: who.participantId, metrics: ["heart_rate", "steps"], now, backfillDays: 2, batchRows: 5_000, log,
      onBatch: () => {
        if (++batches === 2) throw new Error("injected crash after the second committed batch");
      },
    });
    await assert.rejects(crash, (err: IngestError) => {
      assert.match(err.message, /ingest of participant crash1 failed: injected crash/);
      return true;
    });
    const partial = await sampleCounts(db, who.participantId);
    const total = (await expectedKeys(source, "heart_rate", { from: new Date("2026-11-18T00:00:00Z"), to: now })).size;
    assert.ok(partial.heart_rate! > 0 && partial.heart_rate! < total, `some but not all batches committed: ${partial.heart_rate} of ${total}`);
    assert.deepEqual(await watermarks(db, who.participantId), {}, "no watermark moved");
    const failed = await queryRows<{ status: string; error: string }>(db.pool, "SELECT status, error FROM pipeline_runs WHERE participant_id = $1", [who.participantId]);
    assert.deepEqual(failed.map((f) => f.status), ["failed"]);

    const r = await ingest({ db, source, participantId: who.participantId, metrics: ["heart_rate", "steps"], now, backfillDays: 2, batchRows: 5_000, log });
    const window = { from: new Date(r.metrics.heart_rate!.window.from), to: now };
    const counts = await sampleCounts(db, who.participantId);
    assert.equal(counts.heart_rate, (await expectedKeys(source, "heart_rate", window)).size);
    assert.equal(counts.steps, (await expectedKeys(source, "steps", window)).size);
    assert.equal(r.rowsWritten, counts.heart_rate! + counts.steps! - partial.heart_rate!, "the re-run rewrote nothing already committed");
    const wm = await watermarks(db, who.participantId);
    assert.ok(wm.heart_rate && wm.steps);
  });

  test("a permanent source error ends the job with an actionable message and leaves that metric's watermark", async () => {
    const who = { participantId: "perm1", seed: 5, profile: "compliant" };
    const now = new Date("2026-11-20T12:00:00Z");
    const source = createSyntheticSource({ ...who, now });
    await ingest({ db, source, participantId: who.participantId, metrics: ["heart_rate", "steps"], now, backfillDays: 1, log });
    const before = await watermarks(db, who.participantId);
    const later = new Date(now.getTime() + DAY);
    const revoked = tamperedSource(createSyntheticSource({ ...who, now: later }), {
      fail: { metric: "heart_rate", error: new PermanentSourceError("the refresh token was revoked (invalid_grant); ask the participant to consent again") },
    });
    await assert.rejects(
      ingest({ db, source: revoked, participantId: who.participantId, metrics: ["heart_rate", "steps"], now: later, log }),
      (err: IngestError) => {
        assert.equal(err.permanent, true);
        assert.match(err.message, /ingest of participant perm1 stopped: the refresh token was revoked \(invalid_grant\); ask the participant to consent again \(watermark left unchanged/);
        return true;
      },
    );
    assert.deepEqual(await watermarks(db, who.participantId), before);
    const [run] = await queryRows<{ status: string; error: string }>(db.pool,
      "SELECT status, error FROM pipeline_runs WHERE participant_id = $1 ORDER BY id DESC LIMIT 1", [who.participantId]);
    assert.equal(run?.status, "failed");
    assert.match(run!.error, /invalid_grant/);
  });

  test("late syncs are caught up: days without sync, and data that arrives behind the watermark", async () => {
    const who = { participantId: "late1", seed: 1004, profile: "late-syncer" };
    const t1 = new Date("2026-11-14T20:00:00Z");
    const t2 = new Date("2026-11-18T20:00:00Z");
    const synced1 = createSyntheticSource({ ...who, now: t1 });
    const lastSync1 = synced1.lastSyncAt()!.getTime();
    // Run 1 misses heart rate from 30–18 hours before the phone's last sync (a second device that had not synced yet).
    const hidden = { metric: "heart_rate" as const, from: lastSync1 - 30 * 3_600_000, to: lastSync1 - 18 * 3_600_000 };
    const first = tamperedSource(synced1, { hide: hidden });
    const r1 = await ingest({ db, source: first, participantId: who.participantId, metrics: ["heart_rate", "steps"], now: t1, backfillDays: 4, log });
    const inHidden = async () => (await queryRows<{ n: number }>(db.pool,
      "SELECT count(*)::int AS n FROM samples WHERE participant_id = $1 AND metric = 'heart_rate' AND ts >= $2 AND ts < $3",
      [who.participantId, new Date(hidden.from), new Date(hidden.to)]))[0]!.n;
    assert.equal(await inHidden(), 0);
    const full = createSyntheticSource({ ...who, now: t2 });
    const r2 = await ingest({ db, source: full, participantId: who.participantId, metrics: ["heart_rate", "steps"], now: t2, log });
    assert.ok((await inHidden()) > 0, "the trailing window re-read picked up the late points");
    // Everything the phone has synced by t2 within the windows read is stored exactly once.
    for (const metric of ["heart_rate", "steps"] as const) {
      const from = Math.min(Date.parse(r1.metrics[metric]!.window.from), Date.parse(r2.metrics[metric]!.window.from));
      const expected = await expectedKeys(full, metric, { from: new Date(from), to: t2 });
      assert.equal((await sampleCounts(db, who.participantId))[metric], expected.size, metric);
    }
    const days = await queryRows<{ day: string; wear_minutes: number }>(db.pool,
      "SELECT day, wear_minutes FROM adherence_daily WHERE participant_id = $1 AND day < '2026-11-18' ORDER BY day", [who.participantId]);
    const truth = groundTruthDays(who, days[0]!.day, "2026-11-18");
    assert.deepEqual(days.map((d) => [d.day, d.wear_minutes]), truth.map((t) => [t.date, t.heartRateMinutes]));
  });
});
