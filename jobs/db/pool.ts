// The one way every job and service opens PostgreSQL/TimescaleDB: a pg.Pool
// sized for the server it talks to. The embedded PGlite server runs every
// connection inside ONE backend, so two pooled connections would share
// session state (temp tables, advisory locks, SET); it gets max 1.
import pg from "pg";
import type { Logger } from "pino";

const { Pool, types } = pg;

/** Set by whoever starts jobs against the embedded server (demo, tests) for child processes. */
export const EMBEDDED_ENV = "WEARABLE_DB_EMBEDDED";

export interface PoolOptions {
  /** Upper bound for a real server; ignored (forced to 1) when embedded. */
  max?: number;
  /** Skip the probe and treat the server as embedded (true) or real (false). */
  embedded?: boolean;
  log?: Logger;
  applicationName?: string;
}

export interface Db {
  pool: pg.Pool;
  /** True when the server is the embedded PGlite (one backend, no background workers). */
  embedded: boolean;
  close(): Promise<void>;
}

// Dates stay "YYYY-MM-DD" strings: pg would otherwise build a JS Date at local
// midnight, which shifts the day for anyone east or west of UTC. Counts come
// back as numbers; no row count here gets near 2^53.
const typeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === types.builtins.DATE) return (v: string) => v;
    if (oid === types.builtins.INT8) return (v: string) => Number(v);
    return types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export function poolSizeFor(embedded: boolean, requested = 10): number {
  return embedded ? 1 : Math.max(1, requested);
}

export function embeddedFromEnv(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const v = env[EMBEDDED_ENV];
  if (v === undefined || v === "") return undefined;
  return v === "1" || v.toLowerCase() === "true";
}

/** Builds a pool without touching the network; `embedded` must be known. */
export function createPool(url: string, opts: PoolOptions & { embedded: boolean }): pg.Pool {
  const pool = new Pool({
    connectionString: url,
    max: poolSizeFor(opts.embedded, opts.max),
    types: typeParsers,
    application_name: opts.applicationName ?? "wearable",
    idleTimeoutMillis: 10_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", (err) => opts.log?.warn({ err: err.message }, "Idle database connection failed"));
  return pool;
}

/**
 * Opens a pool, first asking the server what it is (unless told): PGlite
 * reports an Emscripten build in version().
 */
export async function openDb(url: string, opts: PoolOptions = {}): Promise<Db> {
  let embedded = opts.embedded ?? embeddedFromEnv();
  if (embedded === undefined) {
    const probe = new pg.Client({ connectionString: url });
    try {
      await probe.connect();
      const { rows } = await probe.query<{ v: string }>("SELECT version() AS v");
      embedded = /emscripten|emcc/i.test(rows[0]?.v ?? "");
    } catch (err) {
      throw new Error(`could not connect to the database at ${safeHost(url)}: ${(err as Error).message}; check DATABASE_URL`, { cause: err });
    } finally {
      await probe.end().catch(() => {});
    }
  }
  const pool = createPool(url, { ...opts, embedded });
  return { pool, embedded, close: () => pool.end() };
}

/** host:port/db of a URL, never the credentials, for error messages. */
export function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}

/** DATABASE_URL from a flag or the environment, with a message that says how to fix it. */
export function resolveDatabaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag ?? env.DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set; set it or pass --database-url, e.g. postgres://user:pass@host:5432/wearable");
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`DATABASE_URL must start with postgres:// or postgresql:// (got a value starting "${url.slice(0, 11)}")`);
  }
  return url;
}
