// Job mode against the embedded TimescaleDB (migrated by jobs/db migrate()):
// the real `wearable impute` CLI in a child process, re-run to prove the
// rows are identical, plus range exactness, non-wear, the pipeline_runs row
// and the termination message.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { startEmbeddedDb, type EmbeddedDb } from "../db/embedded.ts";
import { migrate, openDb, type Db } from "../db/index.ts";
import { closeImputation, imputeParticipant } from "./index.ts";
import { synthesize, type SyntheticData } from "./synthetic.ts";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "../../bin/wearable.ts");
const DAY = 86_400_000;
const START = Date.UTC(2024, 4, 1);

void describe("wearable impute (job mode, embedded TimescaleDB)", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let server: EmbeddedDb;
  let db: Db;
  let data: SyntheticData;
  const dir = mkdtempSync(join(tmpdir(), "impute-job-"));

  async function seed(participant: string, d: SyntheticData) {
    for (const [metric, samples] of [["heart_rate", d.hrSamples], ["steps", d.stepsSamples]] as const) {
      for (let k = 0; k < samples.length; k += 10_000) {
        const b = samples.slice(k, k + 10_000);
        await db.pool.query(
          `INSERT INTO samples (participant_id, metric, ts, value, source)
           SELECT $1, $2, t, v, 'synthetic' FROM unnest($3::timestamptz[], $4::float8[]) AS x(t, v)`,
          [participant, metric, b.map((s) => new Date(s.ts)), b.map((s) => s.value)],
        );
      }
    }
  }

  async function impute(args: string[]) {
    const termination = join(dir, `term-${Math.random().toString(36).slice(2)}`);
    const r = await run(process.execPath, [BIN, "impute", ...args], {
      env: { ...process.env, DATABASE_URL: server.url, WEARABLE_DB_EMBEDDED: "1", TERMINATION_LOG: termination, LOG_LEVEL: "warn" },
    });
    return { ...r, termination: JSON.parse(readFileSync(termination, "utf8")) as Record<string, unknown> };
  }

  const rowsOf = async (participant: string, metric: string) =>
    (
      await db.pool.query<{ ts: Date; value: number; lower: number | null; upper: number | null; method: string }>(
        `SELECT ts, value, lower, upper, method FROM imputed_samples WHERE participant_id = $1 AND metric = $2 ORDER BY ts`,
        [participant, metric],
      )
    ).rows.map((r) => ({ ...r, ts: r.ts.toISOString() }));

  before(async () => {
    server = await startEmbeddedDb();
    db = await openDb(server.url, { embedded: true });
    await migrate(db.pool);
    data = synthesize({ seed: 42, days: 6, start: START, dropoutsPerDay: 5, nonWearPerDay: 0.7 });
    await seed("p-job", data);
  });

  after(async () => {
    await db?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const range = ["--from", new Date(START + 2 * DAY).toISOString(), "--to", new Date(START + 4 * DAY).toISOString()];

  void it("imputes heart-rate dropouts of exactly the range, skips non-wear, and re-running gives identical rows", async () => {
    const first = await impute(["--participant", "p-job", "--metric", "heart_rate", "--method", "auto", ...range]);
    const rows1 = await rowsOf("p-job", "heart_rate");
    assert.ok(rows1.length > 0, "some points imputed");
    for (const r of rows1) {
      const t = Date.parse(r.ts);
      assert.ok(t >= START + 2 * DAY && t < START + 4 * DAY, `row ${r.ts} inside the range`);
      assert.ok(Number.isFinite(r.value) && r.value > 30 && r.value < 200);
      assert.ok(r.lower === null || (r.lower <= r.value && r.upper! >= r.value));
      const i = (t - START) / 60_000;
      assert.ok(!data.nonWear.some(([s, e]) => i >= s && i < e), `non-wear minute ${r.ts} must not be imputed`);
    }
    const t = first.termination;
    assert.equal(t.kind, "impute");
    assert.equal(t.pointsImputed, rows1.length);
    assert.equal(t.gapsFound, (t.gapsFilled as number) + (t.gapsSkipped as number));
    assert.ok((t.gapsFilled as number) > 0);
    assert.equal(first.stdout, "");

    await impute(["--participant", "p-job", "--metric", "heart_rate", "--method", "auto", ...range]);
    const rows2 = await rowsOf("p-job", "heart_rate");
    assert.deepEqual(rows2, rows1, "re-running rewrites identical rows");

    const runs = await db.pool.query<{ status: string; rows_written: number; details: Record<string, number> }>(
      `SELECT status, rows_written, details FROM pipeline_runs WHERE kind = 'impute' AND participant_id = 'p-job' AND metric = 'heart_rate' ORDER BY id`,
    );
    assert.equal(runs.rows.length, 2);
    for (const r of runs.rows) {
      assert.equal(r.status, "succeeded");
      assert.equal(r.rows_written, rows1.length);
      assert.equal(r.details.pointsImputed, rows1.length);
      for (const k of ["gapsFound", "gapsFilled", "gapsSkippedNonWear", "gapsSkippedTooLong"]) assert.equal(typeof r.details[k], "number", k);
    }
    const nonWearInRange = data.nonWear.filter(([s, e]) => s * 60_000 + START < START + 4 * DAY && e * 60_000 + START > START + 2 * DAY && e - s >= 60);
    assert.ok(runs.rows[0]!.details.gapsSkippedNonWear! >= Math.min(1, nonWearInRange.length));
  });

  void it("replaces earlier rows of the range only, leaving other ranges alone", async () => {
    const other = ["--from", new Date(START + 4 * DAY).toISOString(), "--to", new Date(START + 5 * DAY).toISOString()];
    await impute(["--participant", "p-job", "--metric", "heart_rate", "--method", "linear", ...other]);
    const before = await rowsOf("p-job", "heart_rate");
    await impute(["--participant", "p-job", "--metric", "heart_rate", "--method", "linear", ...range]);
    const afterRows = await rowsOf("p-job", "heart_rate");
    const inRange = (r: { ts: string }) => Date.parse(r.ts) < START + 4 * DAY;
    assert.deepEqual(afterRows.filter((r) => !inRange(r)), before.filter((r) => !inRange(r)), "the other day is untouched");
    assert.ok(afterRows.filter(inRange).every((r) => r.method === "linear"), "the range was replaced by the new run");
  });

  void it("imputes steps as whole non-negative counts", async () => {
    // The synthetic device loses steps only when off the wrist; drop 10 worn minutes to make a dropout.
    let i = (2.5 * DAY) / 60_000;
    while (data.nonWear.some(([s, e]) => i + 10 > s && i < e) || data.dropouts.some(([s, e]) => i + 10 > s && i < e)) i += 10;
    await db.pool.query(`DELETE FROM samples WHERE participant_id = 'p-job' AND metric = 'steps' AND ts >= $1 AND ts < $2`, [new Date(START + i * 60_000), new Date(START + (i + 10) * 60_000)]);
    await impute(["--participant", "p-job", "--metric", "steps", ...range]);
    const rows = await rowsOf("p-job", "steps");
    assert.ok(rows.length > 0, "steps dropouts inside worn time were filled");
    for (const r of rows) assert.ok(Number.isInteger(r.value) && r.value >= 0, `${r.ts}: ${r.value}`);
  });

  void it("imputeParticipant (the demo's entry point) runs both metrics in-process", async () => {
    const r = await imputeParticipant(db.pool, "p-job", { from: START + 2 * DAY, to: START + 3 * DAY });
    await closeImputation();
    assert.ok(r.heart_rate.runId > 0 && r.steps.runId > r.heart_rate.runId);
    assert.ok(r.heart_rate.gapsFilled > 0);
    assert.equal(r.heart_rate.rowsWritten, r.heart_rate.pointsImputed);
  });

  void it("rejects bad arguments with exit 2 naming the flag", async () => {
    await assert.rejects(impute(["--participant", "p job", "--metric", "heart_rate", ...range]), (e: { code: number; stderr: string }) => e.code === 2 && /--participant/.test(e.stderr));
    await assert.rejects(impute(["--participant", "p-job", "--metric", "spo2", ...range]), (e: { code: number; stderr: string }) => e.code === 2 && /--metric: "spo2" cannot be imputed/.test(e.stderr));
    await assert.rejects(impute(["--participant", "p-job", "--metric", "steps", "--from", "yesterday", "--to", "2024-05-02T00:00:00Z"]), (e: { code: number; stderr: string }) => e.code === 2 && /--from/.test(e.stderr));
  });
});
