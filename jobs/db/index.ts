// Public surface of the database layer: pool factory, query helpers, and the
// schema migration entry point other components (impute, operator, demo) call.
export { createPool, openDb, poolSizeFor, resolveDatabaseUrl, safeHost, EMBEDDED_ENV, type Db, type PoolOptions } from "./pool.ts";
export { queryOne, queryRows, withClient, inTransaction, transaction, type Queryable } from "./query.ts";
export { timescaleSettingsFromEnv, DEFAULT_TIMESCALE_SETTINGS, type TimescaleSettings } from "./config.ts";
export { migrate, type MigrateOptions, type MigrateResult } from "../migrate/migrate.ts";
