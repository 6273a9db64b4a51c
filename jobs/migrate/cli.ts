// `wearable migrate`: applies the schema (idempotent, advisory-locked) and the
// TimescaleDB policies from configuration. Run as a Job before the operator
// schedules ingest, and by `wearable demo`.
import { parseFlags, type Command } from "../../lib/cli.ts";
import { createLogger } from "../../lib/logger.ts";
import { openDb, resolveDatabaseUrl } from "../db/pool.ts";
import { migrate, migrationStatus } from "./migrate.ts";

const usage = `Usage: wearable migrate [--database-url URL] [--status]

Applies the versioned, forward-only schema migrations in jobs/migrate/migrations
and records them in schema_migrations. Safe to run again and safe to run twice
at once (a PostgreSQL advisory lock serializes runners).

On TimescaleDB: hypertables, compression and retention policies, and the
heart_rate_hourly continuous aggregate. On plain PostgreSQL (>= 14) the
Timescale-only steps are skipped and heart_rate_hourly is a plain view.

  --database-url URL   default: env DATABASE_URL
  --status             list versions and whether they are applied; change nothing

Environment:
  DATABASE_URL              connection string
  WEARABLE_DB_EMBEDDED=1    the server is the embedded PGlite (pool of one)
  WEARABLE_COMPRESS_AFTER   compress sample chunks older than this (default 14d, min 8d)
  WEARABLE_RETENTION        drop raw sample chunks older than this (default 730d; "off" keeps all)`;

const command: Command = {
  name: "migrate",
  summary: "Apply database migrations (idempotent, advisory-locked)",
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      "database-url": { type: "string" },
      status: { type: "boolean", default: false },
    });
    const log = createLogger({ name: "migrate" });
    const db = await openDb(resolveDatabaseUrl(values["database-url"]), { log, applicationName: "wearable-migrate" });
    try {
      if (values.status) {
        for (const s of await migrationStatus(db.pool)) {
          console.log(`${String(s.version).padStart(4, "0")}  ${s.name.padEnd(24)} ${s.variant.padEnd(12)} ${s.appliedAt ? s.appliedAt.toISOString() : "pending"}`);
        }
        return 0;
      }
      await migrate(db.pool, { log });
      return 0;
    } catch (err) {
      log.error({ err: (err as Error).message }, "Failed to migrate database schema");
      console.error(`wearable migrate: ${(err as Error).message}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
export default command;
