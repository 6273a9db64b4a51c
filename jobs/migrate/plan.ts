// Pure part of the migration runner: which file applies for which version on
// which kind of server. A version may come as one file for every server
// (NNNN_name.sql) or as per-flavour variants (NNNN_name.timescaledb.sql,
// NNNN_name.postgres.sql); a version with no file for this flavour is
// recorded as "skipped" so version numbers stay dense and comparable.
import { createHash } from "node:crypto";

export type Flavor = "timescaledb" | "postgres";

export interface MigrationFile {
  fileName: string;
  sql: string;
}

export interface PlannedMigration {
  version: number;
  name: string;
  /** "all", the flavour the chosen file is for, or "skipped" (nothing to run here). */
  variant: "all" | Flavor | "skipped";
  fileName: string | null;
  sql: string;
  /** Runs statement by statement, outside a transaction (continuous-aggregate DDL). */
  transactional: boolean;
  checksum: string;
}

const FILE_RE = /^(\d{4})_([a-z0-9][a-z0-9-]*)(?:\.(timescaledb|postgres))?\.sql$/;
export const NO_TRANSACTION_MARKER = "-- migrate:no-transaction";

export function planMigrations(files: MigrationFile[], flavor: Flavor): PlannedMigration[] {
  const byVersion = new Map<number, { name: string; all?: MigrationFile; timescaledb?: MigrationFile; postgres?: MigrationFile }>();
  for (const f of files) {
    const m = FILE_RE.exec(f.fileName);
    if (!m) throw new Error(`migration file "${f.fileName}" does not match NNNN_kebab-name[.timescaledb|.postgres].sql; rename it`);
    const version = Number(m[1]);
    const name = m[2] as string;
    const slot = (m[3] as Flavor | undefined) ?? "all";
    const entry = byVersion.get(version) ?? { name };
    if (entry.name !== name) throw new Error(`migration version ${m[1]} has two names ("${entry.name}", "${name}"); each version needs one name`);
    if (entry[slot]) throw new Error(`migration version ${m[1]} has two "${slot}" files`);
    entry[slot] = f;
    if (entry.all && (entry.timescaledb || entry.postgres)) {
      throw new Error(`migration version ${m[1]} has a file for all servers and a per-flavour file; use one or the other`);
    }
    byVersion.set(version, entry);
  }
  const versions = [...byVersion.keys()].sort((a, b) => a - b);
  return versions.map((version) => {
    const e = byVersion.get(version)!;
    const file = e.all ?? e[flavor];
    const variant = e.all ? "all" : file ? flavor : "skipped";
    const sql = file?.sql ?? "";
    return {
      version,
      name: e.name,
      variant,
      fileName: file?.fileName ?? null,
      sql,
      transactional: !sql.split("\n").some((l) => l.trim() === NO_TRANSACTION_MARKER),
      checksum: createHash("sha256").update(sql).digest("hex"),
    };
  });
}

/**
 * Splits a no-transaction migration into statements at semicolons that end a
 * line. Our migrations hold no function bodies, so this simple rule suffices;
 * comment-only chunks are dropped.
 */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("--")));
}
