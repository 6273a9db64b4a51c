import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { planMigrations, splitStatements } from "./plan.ts";
import { loadMigrationFiles } from "./migrate.ts";

describe("planMigrations", () => {
  const files = [
    { fileName: "0001_core.sql", sql: "CREATE TABLE a (x int);" },
    { fileName: "0002_ts-only.timescaledb.sql", sql: "SELECT create_hypertable('a', 'x');" },
    { fileName: "0003_view.timescaledb.sql", sql: "-- migrate:no-transaction\nCREATE MATERIALIZED VIEW v AS SELECT 1;" },
    { fileName: "0003_view.postgres.sql", sql: "CREATE VIEW v AS SELECT 1;" },
  ];

  test("picks the variant for the server, skips versions without one, marks no-transaction files", () => {
    const pg = planMigrations(files, "postgres");
    assert.deepEqual(pg.map((m) => [m.version, m.variant, m.transactional]), [[1, "all", true], [2, "skipped", true], [3, "postgres", true]]);
    const ts = planMigrations(files, "timescaledb");
    assert.deepEqual(ts.map((m) => [m.version, m.variant, m.transactional]), [[1, "all", true], [2, "timescaledb", true], [3, "timescaledb", false]]);
    assert.equal(pg[0]?.checksum, ts[0]?.checksum);
    assert.notEqual(pg[2]?.checksum, ts[2]?.checksum);
  });

  test("rejects badly named, duplicated and contradictory files with the fix", () => {
    assert.throws(() => planMigrations([{ fileName: "1_x.sql", sql: "" }], "postgres"), /"1_x.sql" does not match NNNN_kebab-name/);
    assert.throws(() => planMigrations([files[0]!, { fileName: "0001_other.sql", sql: "" }], "postgres"), /version 0001 has two names/);
    assert.throws(() => planMigrations([files[0]!, { fileName: "0001_core.postgres.sql", sql: "" }], "postgres"), /a file for all servers and a per-flavour file/);
  });

  test("splitStatements keeps statements and drops comment-only chunks", () => {
    assert.deepEqual(splitStatements("-- migrate:no-transaction\n-- why\nCREATE X;\nSELECT 'a;b';\n-- trailing\n"), ["-- migrate:no-transaction\n-- why\nCREATE X", "SELECT 'a;b'"]);
  });

  test("the shipped migrations plan cleanly for both servers", async () => {
    const shipped = await loadMigrationFiles();
    for (const flavor of ["postgres", "timescaledb"] as const) {
      const plan = planMigrations(shipped, flavor);
      assert.deepEqual(plan.map((m) => m.version), plan.map((_, i) => i + 1), "versions are dense from 1");
    }
  });
});
