// `wearable demo`: the whole pipeline on a laptop. Embedded TimescaleDB in a
// local folder, migrations, 14 days for a synthetic cohort, imputation when
// the impute job is available, then an adherence table and an HTML report.
// Everything is idempotent: a second run re-reads only the trailing window.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { startEmbeddedDb } from "../db/embedded.ts";
import { openDb, type Db } from "../db/pool.ts";
import { queryRows } from "../db/query.ts";
import { ingest } from "../ingest/ingest.ts";
import { localDate, addDays } from "../ingest/window.ts";
import { migrate } from "../migrate/migrate.ts";
import { createSyntheticSource, defaultCohort, type CohortMember } from "../sources/synthetic/index.ts";
import type * as ImputeJob from "../impute/job.ts";
import { renderReport, type HourlyPoint, type ImputedPoint, type ReportData } from "./report.ts";
import { formatTable, summarize, type DayRow, type ParticipantSummary } from "./summary.ts";
import { loadThresholds } from "./thresholds.ts";

export interface DemoOptions {
  dataDir: string | undefined;
  participants: number;
  days: number;
  timeZone: string;
  now: Date;
  reportPath: string;
  impute: boolean;
  log: Logger;
  /** Progress lines (stderr). */
  progress: (line: string) => void;
  /** The table (stdout). */
  out: (text: string) => void;
}

export interface DemoResult {
  summaries: ParticipantSummary[];
  reportPath: string;
  rowsWritten: number;
  imputation: string;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const thresholds = loadThresholds();
  o.progress(`Starting the embedded TimescaleDB (${o.dataDir ?? "in memory"}) …`);
  const server = await startEmbeddedDb(o.dataDir ? { dataDir: o.dataDir } : {});
  const db = await openDb(server.url, { embedded: true, log: o.log });
  try {
    const m = await migrate(db.pool, { log: o.log });
    o.progress(`Migrated schema (${m.flavor}): ${m.applied.length} applied, ${m.alreadyApplied.length} already there`);
    const cohort = defaultCohort(o.participants, { timeZone: o.timeZone });
    const rowsWritten = await ingestCohort(db, cohort, o);
    const imputation = o.impute ? await imputeCohort(db, cohort, o) : "imputation skipped: --no-impute";
    o.progress(imputation);
    const today = localDate(o.now.getTime(), o.timeZone);
    const firstDay = addDays(today, -o.days);
    const lastDay = addDays(today, -1);
    const summaries = await loadSummaries(db, cohort, { firstDay, lastDay, now: o.now }, thresholds);
    o.out(`Adherence ${firstDay} – ${lastDay} (complete local days, ${o.timeZone}); thresholds from charts/wearable-pipeline/values.yaml\n\n${formatTable(summaries)}\n`);
    const heartRateDay = await loadHeartRateDay(db, cohort, lastDay, o.timeZone);
    const report: ReportData = { generatedAt: new Date(), firstDay, lastDay, thresholds, participants: summaries, heartRateDay, imputation };
    await mkdir(dirname(o.reportPath), { recursive: true });
    await writeFile(o.reportPath, renderReport(report));
    o.out(`\nReport: ${o.reportPath}`);
    return { summaries, reportPath: o.reportPath, rowsWritten, imputation };
  } finally {
    await db.close();
    await server.stop();
  }
}

async function ingestCohort(db: Db, cohort: CohortMember[], o: DemoOptions): Promise<number> {
  let total = 0;
  const started = Date.now();
  for (const [i, who] of cohort.entries()) {
    const t = Date.now();
    const source = createSyntheticSource({ ...who, now: o.now });
    const r = await ingest({
      db, source, participantId: who.participantId, metrics: ["heart_rate", "steps", "sleep", "spo2", "hrv", "resting_heart_rate"],
      timeZone: who.timeZone, now: o.now, backfillDays: o.days, log: o.log,
    });
    total += r.rowsWritten;
    o.progress(`[${String(i + 1).padStart(2)}/${cohort.length}] ingested ${who.participantId} (${who.profile.padEnd(14)}) ${String(r.rowsWritten).padStart(7)} rows written, ${r.rowsRejected} rejected (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
  o.progress(`Ingested ${cohort.length} participants: ${total} rows written in ${((Date.now() - started) / 1000).toFixed(0)} s (a re-run writes only what changed)`);
  return total;
}

/** Uses the impute job when its module is there; otherwise says so and moves on. */
async function imputeCohort(db: Db, cohort: CohortMember[], o: DemoOptions): Promise<string> {
  let mod: typeof ImputeJob;
  try {
    mod = await import("../impute/job.ts");
  } catch (err) {
    return `imputation skipped: the impute job could not be loaded (${(err as Error).message})`;
  }
  if (typeof mod.runImputeJob !== "function") return "imputation skipped: jobs/impute/job.ts exports no runImputeJob yet";
  const to = Date.parse(`${localDate(o.now.getTime(), "UTC")}T00:00:00Z`);
  const from = to - 2 * 86_400_000;
  let gaps = 0, points = 0;
  try {
    for (const [i, who] of cohort.entries()) {
      const r = await mod.runImputeJob(db.pool, { participantId: who.participantId, metric: "heart_rate", from, to, method: "auto", maxGapMs: 120 * 60_000, log: o.log });
      gaps += r.gapsFilled;
      points += r.pointsImputed;
      o.progress(`[${String(i + 1).padStart(2)}/${cohort.length}] imputed ${who.participantId}: ${r.gapsFilled} gaps, ${r.pointsImputed} points`);
    }
  } catch (err) {
    return `imputation stopped: ${(err as Error).message} (${gaps} gaps filled before that)`;
  }
  return `imputation: heart rate of the last 2 UTC days, ${gaps} dropout gaps filled with ${points} points (non-wear left alone)`;
}

async function loadSummaries(
  db: Db, cohort: CohortMember[], { firstDay, lastDay, now }: { firstDay: string; lastDay: string; now: Date }, t: ReturnType<typeof loadThresholds>,
): Promise<ParticipantSummary[]> {
  const rows = await queryRows<{ participant_id: string; day: string; wear_minutes: number; valid_day: boolean; steps: number; sleep_minutes: number; main_sleep_missing: boolean; sleep_classic: boolean; last_sync_at: Date | null }>(
    db.pool,
    `SELECT participant_id, day, wear_minutes, valid_day, steps, sleep_minutes, main_sleep_missing, sleep_classic, last_sync_at
       FROM adherence_daily WHERE participant_id = ANY($1) AND day BETWEEN $2 AND $3 ORDER BY participant_id, day`,
    [cohort.map((c) => c.participantId), firstDay, lastDay],
  );
  const lastSync = await queryRows<{ participant_id: string; last: Date | null }>(db.pool,
    "SELECT participant_id, max(last_sync_at) AS last FROM adherence_daily WHERE participant_id = ANY($1) GROUP BY 1",
    [cohort.map((c) => c.participantId)]);
  return cohort.map((who) => {
    const days: DayRow[] = rows.filter((r) => r.participant_id === who.participantId).map((r) => ({
      participantId: r.participant_id, day: r.day, wearMinutes: r.wear_minutes, validDay: r.valid_day, steps: r.steps,
      sleepMinutes: r.sleep_minutes, mainSleepMissing: r.main_sleep_missing, sleepClassic: r.sleep_classic, lastSyncAt: r.last_sync_at,
    }));
    // Last sync: the newest data including today's partial day (the window above stops at yesterday).
    const last = lastSync.find((r) => r.participant_id === who.participantId)?.last ?? null;
    return { ...summarize(who.participantId, who.profile, days, now, t, last) };
  });
}

/** The last complete local day of the participant with most imputed minutes (else the first), hourly from heart_rate_hourly. */
async function loadHeartRateDay(db: Db, cohort: CohortMember[], day: string, timeZone: string): Promise<ReportData["heartRateDay"]> {
  const withImputed = await queryRows<{ participant_id: string }>(db.pool,
    `SELECT participant_id FROM imputed_samples WHERE metric = 'heart_rate' AND participant_id = ANY($1)
      GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, [cohort.map((c) => c.participantId)]);
  const participantId = withImputed[0]?.participant_id ?? cohort[0]?.participantId;
  if (!participantId) return null;
  const range = [participantId, day, timeZone];
  const bounds = `bucket >= ($2::date::timestamp AT TIME ZONE $3) AND bucket < (($2::date + 1)::timestamp AT TIME ZONE $3)`;
  const hourly = await queryRows<{ bucket: Date; avg_bpm: number; min_bpm: number; max_bpm: number }>(db.pool,
    `SELECT bucket, avg_bpm, min_bpm, max_bpm FROM heart_rate_hourly WHERE participant_id = $1 AND ${bounds} ORDER BY bucket`, range);
  const imputed = await queryRows<{ ts: Date; value: number; lower: number | null; upper: number | null }>(db.pool,
    `SELECT ts, value, lower, upper FROM imputed_samples WHERE participant_id = $1 AND metric = 'heart_rate'
        AND ts >= ($2::date::timestamp AT TIME ZONE $3) AND ts < (($2::date + 1)::timestamp AT TIME ZONE $3) ORDER BY ts`, range);
  const [start] = await queryRows<{ start: Date }>(db.pool, "SELECT ($1::date::timestamp AT TIME ZONE $2) AS start", [day, timeZone]);
  return {
    participantId, day, start: start!.start,
    hourly: hourly.map((h): HourlyPoint => ({ hour: h.bucket, avg: h.avg_bpm, min: h.min_bpm, max: h.max_bpm })),
    imputed: imputed.map((p): ImputedPoint => ({ ts: p.ts, value: p.value, lower: p.lower, upper: p.upper })),
  };
}
