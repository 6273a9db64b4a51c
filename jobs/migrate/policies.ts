// TimescaleDB policies whose intervals come from configuration. They are not
// versioned migrations: every `wearable migrate` compares what the server has
// with what the configuration asks for and changes only what differs, so a new
// WEARABLE_RETENTION takes effect on the next rollout.
import type pg from "pg";
import type { Logger } from "pino";
import type { TimescaleSettings } from "../db/config.ts";
import { queryOne } from "../db/query.ts";

const COMPRESSED = ["samples", "imputed_samples"] as const;

interface JobRow {
  job_id: number;
  seconds: number | null;
}

async function currentJob(client: pg.ClientBase, proc: string, table: string, key: string): Promise<JobRow | undefined> {
  return queryOne<JobRow>(
    client,
    `SELECT job_id, extract(epoch FROM (config->>$3)::interval)::float8 AS seconds
       FROM timescaledb_information.jobs
      WHERE proc_name = $1 AND hypertable_name = $2`,
    [proc, table, key],
  );
}

export interface PolicyChange {
  table: string;
  policy: "compression" | "retention" | "aggregate-refresh";
  action: "added" | "replaced" | "removed" | "unchanged";
}

export async function syncTimescalePolicies(client: pg.ClientBase, s: TimescaleSettings, log?: Logger): Promise<PolicyChange[]> {
  const changes: PolicyChange[] = [];
  for (const table of COMPRESSED) {
    changes.push(await syncPolicy(client, {
      table, policy: "compression", proc: "policy_compression", key: "compress_after",
      seconds: s.compressAfterSeconds,
      remove: "SELECT remove_compression_policy($1::regclass, if_exists => true)",
      add: "SELECT add_compression_policy($1::regclass, compress_after => make_interval(secs => $2))",
    }));
    changes.push(await syncPolicy(client, {
      table, policy: "retention", proc: "policy_retention", key: "drop_after",
      seconds: s.retentionSeconds,
      remove: "SELECT remove_retention_policy($1::regclass, if_exists => true)",
      add: "SELECT add_retention_policy($1::regclass, drop_after => make_interval(secs => $2))",
    }));
  }
  // The aggregate re-materializes the look-back window every 30 minutes, so late syncs reach it.
  const job = await queryOne<{ job_id: number; seconds: number | null }>(
    client,
    // The job names the view in newer TimescaleDB releases and the materialization hypertable in older ones.
    `SELECT j.job_id, extract(epoch FROM (j.config->>'start_offset')::interval)::float8 AS seconds
       FROM timescaledb_information.jobs j
      WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
        AND j.hypertable_name IN (SELECT view_name FROM timescaledb_information.continuous_aggregates WHERE view_name = 'heart_rate_hourly'
                                  UNION ALL
                                  SELECT materialization_hypertable_name FROM timescaledb_information.continuous_aggregates WHERE view_name = 'heart_rate_hourly')`,
  );
  let action: PolicyChange["action"] = "unchanged";
  if (!job || job.seconds !== s.aggregateRefreshLookbackSeconds) {
    if (job) await client.query("SELECT remove_continuous_aggregate_policy('heart_rate_hourly', if_exists => true)");
    await client.query(
      `SELECT add_continuous_aggregate_policy('heart_rate_hourly',
         start_offset => make_interval(secs => $1), end_offset => INTERVAL '1 hour',
         schedule_interval => INTERVAL '30 minutes')`,
      [s.aggregateRefreshLookbackSeconds],
    );
    action = job ? "replaced" : "added";
  }
  changes.push({ table: "heart_rate_hourly", policy: "aggregate-refresh", action });
  for (const c of changes) if (c.action !== "unchanged") log?.info(c, "Updated TimescaleDB policy");
  return changes;
}

async function syncPolicy(
  client: pg.ClientBase,
  p: { table: string; policy: "compression" | "retention"; proc: string; key: string; seconds: number | null; remove: string; add: string },
): Promise<PolicyChange> {
  const job = await currentJob(client, p.proc, p.table, p.key);
  if (p.seconds === null) {
    if (!job) return { table: p.table, policy: p.policy, action: "unchanged" };
    await client.query(p.remove, [p.table]);
    return { table: p.table, policy: p.policy, action: "removed" };
  }
  if (job && job.seconds === p.seconds) return { table: p.table, policy: p.policy, action: "unchanged" };
  if (job) await client.query(p.remove, [p.table]);
  await client.query(p.add, [p.table, p.seconds]);
  return { table: p.table, policy: p.policy, action: job ? "replaced" : "added" };
}
