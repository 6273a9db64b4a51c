// Forward-only migration runner. One client holds a session advisory lock for
// the whole run, so two `wearable migrate` Jobs (a Helm hook and an operator
// restart, say) apply each version once. Each transactional version re-checks
// schema_migrations inside its own transaction, which keeps the runner correct
// even where advisory locks cannot exclude a second runner (the embedded
// server shares one backend between connections).
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import type { Logger } from "pino";
import { timescaleSettingsFromEnv, type TimescaleSettings } from "../db/config.ts";
import { queryOne, queryRows, transaction, withClient } from "../db/query.ts";
import { planMigrations, splitStatements, type Flavor, type MigrationFile, type PlannedMigration } from "./plan.ts";
import { syncTimescalePolicies, type PolicyChange } from "./policies.ts";

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");
/** Arbitrary but fixed: every runner of every version must use the same key. */
export const MIGRATION_LOCK_KEY = 7_271_100_301;

export interface MigrateOptions {
  log?: Logger;
  /** Defaults to WEARABLE_COMPRESS_AFTER / WEARABLE_RETENTION from the environment. */
  timescale?: TimescaleSettings;
  /** Defaults to the files shipped in jobs/migrate/migrations. */
  files?: MigrationFile[];
  /** Gives up waiting for another runner's lock after this long (ms). */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  flavor: Flavor;
  applied: number[];
  alreadyApplied: number[];
  policies: PolicyChange[];
}

export async function loadMigrationFiles(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort();
  return Promise.all(names.map(async (fileName) => ({ fileName, sql: await readFile(join(dir, fileName), "utf8") })));
}

/** Installs TimescaleDB when the server offers it; otherwise the plain-PostgreSQL flavour applies. */
export async function detectFlavor(client: pg.ClientBase, log?: Logger): Promise<Flavor> {
  const ext = await queryOne<{ installed: string | null; available: string | null }>(
    client,
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb') AS available`,
  );
  if (ext?.installed) return "timescaledb";
  if (!ext?.available) return "postgres";
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS timescaledb");
    return "timescaledb";
  } catch (err) {
    // Typically: not in shared_preload_libraries. Plain PostgreSQL still works.
    log?.warn({ err: (err as Error).message }, "Skipped TimescaleDB: the extension is available but could not be created");
    return "postgres";
  }
}

const TRACKING_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  variant     text NOT NULL,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  duration_ms integer NOT NULL
)`;

export async function migrate(pool: pg.Pool, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const settings = opts.timescale ?? timescaleSettingsFromEnv();
  const files = opts.files ?? (await loadMigrationFiles());
  return withClient(pool, async (client) => {
    await acquireLock(client, opts.lockTimeoutMs ?? 300_000);
    try {
      await client.query(TRACKING_TABLE);
      const flavor = await detectFlavor(client, opts.log);
      const plan = planMigrations(files, flavor);
      const result: MigrateResult = { flavor, applied: [], alreadyApplied: [], policies: [] };
      for (const m of plan) {
        const ran = await applyOne(client, m, opts.log);
        (ran ? result.applied : result.alreadyApplied).push(m.version);
      }
      // One transaction: on the embedded server a second runner cannot interleave and add a policy twice.
      if (flavor === "timescaledb") result.policies = await transaction(client, () => syncTimescalePolicies(client, settings, opts.log));
      opts.log?.info({ flavor, applied: result.applied, alreadyApplied: result.alreadyApplied.length }, "Migrated database schema");
      return result;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  });
}

async function acquireLock(client: pg.ClientBase, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Poll with try-lock instead of blocking so a stuck peer produces a clear timeout, not a hang.
  for (;;) {
    const row = await queryOne<{ ok: boolean }>(client, "SELECT pg_try_advisory_lock($1) AS ok", [MIGRATION_LOCK_KEY]);
    if (row?.ok) return;
    if (Date.now() > deadline) {
      throw new Error(`another \`wearable migrate\` held the migration lock (advisory lock ${MIGRATION_LOCK_KEY}) for over ${Math.round(timeoutMs / 1000)}s; check for a stuck migrate Job`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface AppliedRow {
  checksum: string;
  variant: string;
}

function checkUnchanged(m: PlannedMigration, row: AppliedRow): void {
  if (row.variant === m.variant && row.checksum !== m.checksum) {
    throw new Error(`migration ${m.version} (${m.fileName}) changed after it was applied; migrations are forward-only: restore the file and add a new version instead`);
  }
}

/** Applies one version unless recorded; returns whether it ran. */
async function applyOne(client: pg.ClientBase, m: PlannedMigration, log?: Logger): Promise<boolean> {
  const started = Date.now();
  const record = `INSERT INTO schema_migrations (version, name, variant, checksum, duration_ms)
                  VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING`;
  const params = (): unknown[] => [m.version, m.name, m.variant, m.checksum, Date.now() - started];
  const applied = (): Promise<AppliedRow[]> =>
    queryRows<AppliedRow>(client, "SELECT checksum, variant FROM schema_migrations WHERE version = $1", [m.version]);
  if (m.transactional) {
    return transaction(client, async () => {
      const [row] = await applied();
      if (row) {
        checkUnchanged(m, row);
        return false;
      }
      try {
        if (m.sql) await client.query(m.sql);
      } catch (err) {
        throw new Error(`migration ${m.version} (${m.fileName}) failed: ${(err as Error).message}`, { cause: err });
      }
      await client.query(record, params());
      log?.info({ version: m.version, name: m.name, variant: m.variant }, "Applied migration");
      return true;
    });
  }
  const [row] = await applied();
  if (row) {
    checkUnchanged(m, row);
    return false;
  }
  // Each statement must be idempotent (IF NOT EXISTS): a crash between two leaves a partial step that a re-run completes.
  for (const stmt of splitStatements(m.sql)) {
    try {
      await client.query(stmt);
    } catch (err) {
      throw new Error(`migration ${m.version} (${m.fileName}) failed: ${(err as Error).message}`, { cause: err });
    }
  }
  await client.query(record, params());
  log?.info({ version: m.version, name: m.name, variant: m.variant, transactional: false }, "Applied migration");
  return true;
}

export interface MigrationStatus {
  version: number;
  name: string;
  variant: string;
  appliedAt: Date | null;
}

export async function migrationStatus(pool: pg.Pool): Promise<MigrationStatus[]> {
  const files = await loadMigrationFiles();
  return withClient(pool, async (client) => {
    const exists = await queryOne<{ t: string | null }>(client, "SELECT to_regclass('schema_migrations')::text AS t");
    const rows = exists?.t
      ? await queryRows<{ version: number; variant: string; applied_at: Date }>(client, "SELECT version, variant, applied_at FROM schema_migrations")
      : [];
    const byVersion = new Map(rows.map((r) => [r.version, r]));
    const flavor: Flavor = (await queryOne(client, "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")) ? "timescaledb" : "postgres";
    return planMigrations(files, flavor).map((m) => {
      const r = byVersion.get(m.version);
      return { version: m.version, name: m.name, variant: r?.variant ?? m.variant, appliedAt: r?.applied_at ?? null };
    });
  });
}
