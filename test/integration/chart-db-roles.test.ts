// The chart's migrations hook, run here as it runs in the cluster: `wearable
// migrate`, then psql with files/db-roles.sql, on real PostgreSQL. Checks that
// Grafana's role can read the pipeline's tables but not write them, cannot
// read contact addresses, and that re-running (every upgrade) is idempotent
// and applies a rotated password.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import pg from "pg";
import { postgresBinDir, startNativePostgres, type NativePostgres } from "../harness/postgres.ts";
import { chartDir, repoRoot } from "./chart-helm.ts";

const run = promisify(execFile);
const APP_PASSWORD = "app-pw-for-test";

void describe("chart hook: db-roles.sql after wearable migrate", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let server: NativePostgres;
  const url = (user: string, password: string) => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${server.port}/wearable`;

  /** The hook's db-roles container: psql with libpq env and the reader credentials as variables. */
  const applyRoles = (readerPassword: string) =>
    run(join(postgresBinDir(), "psql"), ["-X", "-q", "-v", "reader_user=grafana_reader", "-v", `reader_password=${readerPassword}`, "-f", join(chartDir, "files/db-roles.sql")], {
      env: { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(server.port), PGDATABASE: "wearable", PGUSER: "wearable", PGPASSWORD: APP_PASSWORD },
    });

  async function asReader<T>(password: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client(url("grafana_reader", password));
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  before(async () => {
    server = await startNativePostgres();
    const admin = new pg.Client(server.url);
    await admin.connect();
    // Like an external database: the app role owns its database and may create roles, but is no superuser.
    await admin.query(`CREATE ROLE wearable LOGIN CREATEROLE PASSWORD '${APP_PASSWORD}'`);
    await admin.query("CREATE DATABASE wearable OWNER wearable");
    await admin.end();
    await run(process.execPath, [join(repoRoot, "bin/wearable.ts"), "migrate"], { env: { ...process.env, DATABASE_URL: url("wearable", APP_PASSWORD) } });
  });
  after(async () => server?.stop());

  void it("creates a reader that can SELECT the pipeline's tables and nothing more", async () => {
    await applyRoles("first-password");
    await asReader("first-password", async (c) => {
      const { rows } = await c.query<{ n: string }>("SELECT count(*) AS n FROM samples");
      assert.equal(rows[0]!.n, "0");
      await c.query("SELECT * FROM adherence_daily LIMIT 1");
      await assert.rejects(c.query("INSERT INTO participants (participant_id, time_zone) VALUES ('X', 'UTC')"), /read-only transaction|permission denied/);
      // Even with the read-only default switched off, the grants stop it.
      await c.query("SET default_transaction_read_only = off");
      await assert.rejects(c.query("INSERT INTO participants (participant_id, time_zone) VALUES ('X', 'UTC')"), /permission denied/);
      await assert.rejects(c.query("SELECT email FROM participant_contacts"), /permission denied/);
      await assert.rejects(c.query("CREATE TABLE public.sneaky (x int)"), /read-only transaction|permission denied/);
    });
  });

  void it("is idempotent and applies a rotated password on the next run", async () => {
    await applyRoles("second-password");
    await applyRoles("second-password");
    await assert.rejects(asReader("first-password", async () => undefined), /password authentication failed/);
    await asReader("second-password", async (c) => {
      await c.query("SELECT count(*) FROM samples");
    });
  });

  void it("quotes hostile values instead of executing them", async () => {
    const hostile = "x'; DROP TABLE samples; --";
    await applyRoles(hostile);
    await asReader(hostile, async (c) => {
      await c.query("SELECT count(*) FROM samples");
    });
  });
});
