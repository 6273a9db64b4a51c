// Migrations against both servers we support: the embedded TimescaleDB
// (hypertables, policies, continuous aggregate) and native PostgreSQL 15
// (Timescale steps skipped, plain view). Fresh, re-run, two at once, and a
// changed migration file refused.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { startEmbeddedDb } from "../../jobs/db/embedded.ts";
import { openDb, type Db } from "../../jobs/db/pool.ts";
import { queryRows } from "../../jobs/db/query.ts";
import { loadMigrationFiles, migrate } from "../../jobs/migrate/migrate.ts";
import { startNativePostgres } from "../harness/postgres.ts";

const run = promisify(execFile);
const skip = process.env.TEST_UNIT_ONLY === "1";
const CONTRACT_TABLES = [
  "adherence_daily", "contact_requests", "imputed_samples", "ingest_watermarks", "participant_contacts",
  "participants", "pipeline_runs", "samples", "schema_migrations", "sleep_sessions", "sleep_stages",
];

async function tables(db: Db): Promise<string[]> {
  const rows = await queryRows<{ t: string }>(db.pool, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1");
  return rows.map((r) => r.t);
}

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client(adminUrl);
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

describe("migrations on native PostgreSQL", { skip }, () => {
  let server: Awaited<ReturnType<typeof startNativePostgres>>;
  before(async () => {
    server = await startNativePostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test("fresh: creates every contract table and a plain heart_rate_hourly view", async () => {
    const db = await openDb(await freshDatabase(server.url, "fresh"));
    try {
      assert.equal(db.embedded, false);
      const res = await migrate(db.pool);
      assert.equal(res.flavor, "postgres");
      assert.deepEqual(res.applied, [1, 2, 3, 4, 5]);
      for (const t of CONTRACT_TABLES) assert.ok((await tables(db)).includes(t), `table ${t} missing`);
      const recorded = await queryRows<{ version: number; variant: string }>(db.pool, "SELECT version, variant FROM schema_migrations ORDER BY 1");
      assert.deepEqual(recorded, [
        { version: 1, variant: "all" },
        { version: 2, variant: "skipped" },
        { version: 3, variant: "postgres" },
        { version: 4, variant: "all" },
        { version: 5, variant: "all" },
      ]);
      const view = await queryRows<{ table_type: string }>(db.pool, "SELECT table_type FROM information_schema.tables WHERE table_name = 'heart_rate_hourly'");
      assert.equal(view[0]?.table_type, "VIEW");
      await db.pool.query(`INSERT INTO samples (participant_id, metric, ts, value, source) VALUES
        ('p1', 'heart_rate', '2026-11-01T10:05:00Z', 60, 'd'), ('p1', 'heart_rate', '2026-11-01T10:55:00Z', 80, 'd')`);
      const hourly = await queryRows<{ bucket: Date; avg_bpm: number; sample_count: number }>(db.pool, "SELECT bucket, avg_bpm, sample_count FROM heart_rate_hourly");
      assert.deepEqual(hourly, [{ bucket: new Date("2026-11-01T10:00:00Z"), avg_bpm: 70, sample_count: 2 }]);
      // The key makes a second write of the same sample an error unless it is an upsert.
      await assert.rejects(db.pool.query("INSERT INTO samples (participant_id, metric, ts, value, source) VALUES ('p1', 'heart_rate', '2026-11-01T10:05:00Z', 61, 'd')"), /duplicate key/);
      await assert.rejects(db.pool.query("INSERT INTO samples (participant_id, metric, ts, value) VALUES ('p1', 'calories', now(), 1)"), /samples_metric_check/);
    } finally {
      await db.close();
    }
  });

  test("re-run applies nothing and keeps data", async () => {
    const db = await openDb(await freshDatabase(server.url, "rerun"));
    try {
      await migrate(db.pool);
      await db.pool.query("INSERT INTO participants (participant_id) VALUES ('p1')");
      const again = await migrate(db.pool);
      assert.deepEqual(again.applied, []);
      assert.deepEqual(again.alreadyApplied, [1, 2, 3, 4, 5]);
      assert.equal((await queryRows(db.pool, "SELECT * FROM participants")).length, 1);
    } finally {
      await db.close();
    }
  });

  test("two runners at once: each version applies exactly once", async () => {
    const url = await freshDatabase(server.url, "concurrent");
    const dbs = await Promise.all([openDb(url), openDb(url), openDb(url)]);
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db.pool)));
      const appliedCounts = results.map((r) => r.applied.length).sort();
      assert.deepEqual(appliedCounts, [0, 0, 5]);
      assert.equal((await queryRows(dbs[0]!.pool, "SELECT * FROM schema_migrations")).length, 5);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  test("a migration file edited after it was applied is refused", async () => {
    const db = await openDb(await freshDatabase(server.url, "edited"));
    try {
      const files = await loadMigrationFiles();
      await migrate(db.pool, { files });
      const edited = files.map((f) => (f.fileName.startsWith("0001_") ? { ...f, sql: `${f.sql}\n-- edited` } : f));
      await assert.rejects(migrate(db.pool, { files: edited }), /migration 1 \(0001_core-tables.sql\) changed after it was applied; .*add a new version/);
      // A failing new version rolls back completely and is not recorded.
      const broken = [...files, { fileName: "0099_broken.sql", sql: "CREATE TABLE half (x int);\nSELECT no_such_function();" }];
      await assert.rejects(migrate(db.pool, { files: broken }), /migration 99 \(0099_broken.sql\) failed: function no_such_function\(\) does not exist/);
      assert.equal((await queryRows(db.pool, "SELECT to_regclass('half') AS t"))[0]?.t, null);
      assert.equal((await queryRows(db.pool, "SELECT 1 FROM schema_migrations WHERE version = 99")).length, 0);
    } finally {
      await db.close();
    }
  });

  test("`wearable migrate` CLI: exits 0 twice, lists status, and names DATABASE_URL when it is missing", async () => {
    const url = await freshDatabase(server.url, "cli");
    const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: "warn" };
    await run(process.execPath, ["bin/wearable.ts", "migrate"], { env });
    await run(process.execPath, ["bin/wearable.ts", "migrate"], { env });
    const status = await run(process.execPath, ["bin/wearable.ts", "migrate", "--status"], { env });
    assert.match(status.stdout, /0001 {2}core-tables {2,}all/);
    assert.match(status.stdout, /0002 {2}hypertables {2,}skipped/);
    const noUrl = { ...process.env, DATABASE_URL: "" };
    await assert.rejects(run(process.execPath, ["bin/wearable.ts", "migrate"], { env: noUrl }), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /DATABASE_URL is not set; set it or pass --database-url/);
      return true;
    });
  });
});

describe("migrations on the embedded TimescaleDB", { skip }, () => {
  let server: Awaited<ReturnType<typeof startEmbeddedDb>>;
  let db: Db;
  before(async () => {
    server = await startEmbeddedDb();
    db = await openDb(server.url);
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  // The embedded server multiplexes every connection onto one backend at the
  // protocol-message level, so it supports one client at a time (pool max 1):
  // two runners at once there means two migrate() calls sharing that pool.
  test("two runners at once on a fresh database: hypertables, policies and continuous aggregate exist once", async () => {
    assert.equal(db.embedded, true);
    assert.equal(db.pool.options.max, 1);
    const [a, b] = await Promise.all([migrate(db.pool), migrate(db.pool)]);
    assert.equal(a.flavor, "timescaledb");
    assert.deepEqual([...a.applied, ...b.applied].sort(), [1, 2, 3, 4, 5]);
    assert.deepEqual([...a.alreadyApplied, ...b.alreadyApplied].sort(), [1, 2, 3, 4, 5]);
    const versions = await queryRows<{ version: number; variant: string }>(db.pool, "SELECT version, variant FROM schema_migrations ORDER BY 1");
    assert.deepEqual(versions, [
      { version: 1, variant: "all" },
      { version: 2, variant: "timescaledb" },
      { version: 3, variant: "timescaledb" },
      { version: 4, variant: "all" },
      { version: 5, variant: "all" },
    ]);
    const ht = await queryRows<{ hypertable_name: string; compression_enabled: boolean }>(db.pool,
      "SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public' ORDER BY 1");
    assert.deepEqual(ht, [
      { hypertable_name: "imputed_samples", compression_enabled: true },
      { hypertable_name: "samples", compression_enabled: true },
    ]);
    const jobs = await queryRows<{ proc_name: string; n: number }>(db.pool,
      "SELECT proc_name, count(*)::int AS n FROM timescaledb_information.jobs WHERE proc_name LIKE 'policy_%' AND hypertable_name IS NOT NULL GROUP BY 1 ORDER BY 1");
    assert.deepEqual(jobs, [
      { proc_name: "policy_compression", n: 2 },
      { proc_name: "policy_refresh_continuous_aggregate", n: 1 },
      { proc_name: "policy_retention", n: 2 },
    ]);
    const cagg = await queryRows(db.pool, "SELECT view_name FROM timescaledb_information.continuous_aggregates");
    assert.deepEqual(cagg, [{ view_name: "heart_rate_hourly" }]);
  });

  test("re-run changes nothing; new intervals from config replace only the policies that differ", async () => {
    const again = await migrate(db.pool);
    assert.deepEqual(again.applied, []);
    assert.ok(again.policies.every((p) => p.action === "unchanged"), JSON.stringify(again.policies));
    const changed = await migrate(db.pool, { timescale: { compressAfterSeconds: 30 * 86_400, retentionSeconds: null, aggregateRefreshLookbackSeconds: 8 * 86_400 } });
    const actions = changed.policies.map((p) => `${p.table}:${p.policy}:${p.action}`).sort();
    assert.deepEqual(actions, [
      "heart_rate_hourly:aggregate-refresh:unchanged",
      "imputed_samples:compression:replaced",
      "imputed_samples:retention:removed",
      "samples:compression:replaced",
      "samples:retention:removed",
    ]);
    const cfg = await queryRows<{ days: number }>(db.pool,
      "SELECT extract(epoch FROM (config->>'compress_after')::interval) / 86400 AS days FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'samples'");
    assert.equal(Number(cfg[0]?.days), 30);
  });

  test("the continuous aggregate materializes hourly heart rate after an explicit refresh", async () => {
    await db.pool.query(`INSERT INTO samples (participant_id, metric, ts, value, source) VALUES
      ('p1', 'heart_rate', '2026-11-01T10:05:00Z', 60, 'd'), ('p1', 'heart_rate', '2026-11-01T10:55:00Z', 80, 'd'),
      ('p1', 'steps', '2026-11-01T10:05:00Z', 100, 'd')`);
    await db.pool.query("CALL refresh_continuous_aggregate('heart_rate_hourly', '2026-11-01', '2026-11-02')");
    const rows = await queryRows(db.pool, "SELECT participant_id, bucket, avg_bpm, sample_count FROM heart_rate_hourly");
    assert.deepEqual(rows, [{ participant_id: "p1", bucket: new Date("2026-11-01T10:00:00Z"), avg_bpm: 70, sample_count: 2 }]);
  });
});
