// Query correctness of every SQL panel: the embedded TimescaleDB, migrated by
// jobs/db migrate(), seeded by the synthetic source through the real ingest
// job (`wearable ingest`, as the operator runs it), then every panel query
// exactly as generated, expanded the way Grafana expands it. Values are
// checked against the synthetic source's ground truth, computed
// independently of the database (jobs/sources/synthetic/cohort.ts).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { startEmbeddedDb, type EmbeddedDb } from "../../jobs/db/embedded.ts";
import { migrate, openDb, type Db } from "../../jobs/db/index.ts";
import { groundTruthDays, groundTruthNonWearDays, lastSyncAtFor, type GroundTruthDay } from "../../jobs/sources/synthetic/index.ts";
import type { SyntheticProfile } from "../../jobs/sources/synthetic/index.ts";
import { loadConfig } from "../../dashboards/src/config.ts";
import { expandGrafanaSql, parseInterval, type TemplateVariable } from "../../dashboards/src/grafana-sql-macros.ts";
import { buildDashboards, DASHBOARD_FILES, type DashboardFile } from "../../dashboards/src/index.ts";
import { catalogueEntry, panelTargets, type PanelTarget } from "../../dashboards/src/panel-queries.ts";

const run = promisify(execFile);
const WEARABLE = fileURLToPath(new URL("../../bin/wearable.ts", import.meta.url));
const DAY = 86_400_000;
const BACKFILL_DAYS = 10;

interface Who { participantId: string; seed: number; profile: SyntheticProfile; timeZone: string }

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
// The period: 7 full days ending the day before yesterday, so every continuously
// syncing participant has synced all of it.
const firstDay = isoDate(today - 8 * DAY);
const lastDay = isoDate(today - 2 * DAY);
const dayAfterLast = isoDate(today - DAY);
const period = { from: new Date(`${firstDay}T00:00:00Z`), to: new Date(`${lastDay}T23:59:59.999Z`) };

/** A struggling participant with exactly 3 non-wear days in the period (searched in the ground truth). */
function participantWithNonWearDays(count: number): Who {
  for (let seed = 1; seed < 5000; seed++) {
    const who = { participantId: "q-nonwear", seed, profile: "struggling" as const, timeZone: "UTC" };
    if (groundTruthNonWearDays(who, firstDay, dayAfterLast).length === count) return who;
  }
  throw new Error(`no struggling seed with ${count} non-wear days in ${firstDay}..${lastDay}`);
}

const NONWEAR = participantWithNonWearDays(3);
/** Continuously syncing participants: the database holds everything the watch recorded in the period. */
const SYNCED: Who[] = [
  NONWEAR,
  { participantId: "q-compliant", seed: 21, profile: "compliant", timeZone: "Europe/Berlin" },
  { participantId: "q-nights", seed: 22, profile: "nonwear-nights", timeZone: "UTC" },
];
/** Stopped syncing 3-5 days ago: only the sync columns are compared for it. */
const NO_SYNC: Who = { participantId: "q-nosync", seed: 23, profile: "no-sync", timeZone: "UTC" };
const COHORT: Who[] = [...SYNCED, NO_SYNC];

const config = await loadConfig();
const dashboards = buildDashboards(config);
const T = config.thresholds;

function thresholdVariables(): Record<string, TemplateVariable> {
  return {
    valid_day_minutes: { value: String(T.validDayMinutes) }, wear_percent: { value: String(T.wearPercent) },
    inactive_steps: { value: String(T.inactiveStepsPerDay) }, days_without_sync: { value: String(T.daysWithoutSync) },
    target_valid_days: { value: String(T.targetValidDaysPerWeek) }, outreach_url: { value: config.outreachBaseUrl },
  };
}

/** The overview selects several participants (multi-value); the detail dashboard one. */
function variablesFor(file: DashboardFile, participant: string | string[]): Record<string, TemplateVariable> {
  const base = { ...thresholdVariables(), namespace: { value: ".*" }, database: { value: ".*" } };
  if (file === "adherence-overview.json") return { ...base, participant: { value: Array.isArray(participant) ? participant : SYNCED.map((w) => w.participantId), multi: true } };
  return { ...base, participant: { value: Array.isArray(participant) ? participant[0] ?? "" : participant } };
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
/** A time column: timestamptz (Date) or, from $__timeGroup without TimescaleDB, epoch seconds. */
const timeMs = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v) * 1000);
const truth = new Map<string, GroundTruthDay[]>(COHORT.map((w) => [w.participantId, groundTruthDays(w, firstDay, dayAfterLast, T.validDayMinutes)]));

void describe("dashboard SQL panels against TimescaleDB seeded through ingest", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let server: EmbeddedDb;
  let db: Db;

  before(async () => {
    server = await startEmbeddedDb();
    db = await openDb(server.url, { embedded: true });
    await migrate(db.pool);
    // The embedded server takes one connection at a time: release ours while a job runs.
    await db.close();
    for (const who of COHORT) {
      await run(process.execPath, [WEARABLE, "ingest", "--participant", who.participantId, "--source", "synthetic",
        "--seed", String(who.seed), "--profile", who.profile, "--time-zone", who.timeZone, "--backfill-days", String(BACKFILL_DAYS)], {
        env: { ...process.env, DATABASE_URL: server.url, WEARABLE_DB_EMBEDDED: "1", TERMINATION_LOG: "/dev/null", LOG_LEVEL: "warn" },
        timeout: 120_000,
      });
    }
    await run(process.execPath, [WEARABLE, "impute", "--participant", NONWEAR.participantId, "--metric", "heart_rate", "--lookback", `${BACKFILL_DAYS}d`, "--method", "auto"], {
      env: { ...process.env, DATABASE_URL: server.url, WEARABLE_DB_EMBEDDED: "1", TERMINATION_LOG: "/dev/null", LOG_LEVEL: "warn" },
      timeout: 120_000,
    });
    db = await openDb(server.url, { embedded: true });
    await db.pool.query("CALL refresh_continuous_aggregate('heart_rate_hourly', NULL, NULL)");
  });

  after(async () => {
    await db?.close().catch(() => {});
    await server?.stop();
  });

  async function query(t: PanelTarget, file: DashboardFile, opts: { participant?: string | string[]; intervalMs?: number; from?: Date; to?: Date } = {}) {
    const participant = opts.participant ?? NONWEAR.participantId;
    const intervalMs = Math.max(opts.intervalMs ?? 300_000, t.minInterval ? (parseInterval(t.minInterval) ?? 0) : 0);
    const sql = expandGrafanaSql(t.text, { from: opts.from ?? period.from, to: opts.to ?? period.to, intervalMs, variables: variablesFor(file, participant), timescaledb: true });
    return db.pool.query<Record<string, unknown>>(sql);
  }

  const target = (file: DashboardFile, title: string, refId = "A"): PanelTarget => {
    const t = panelTargets(dashboards[file] as Dashboard).find((x) => x.panelTitle === title && x.refId === refId && x.kind === "sql");
    assert.ok(t, `${file}: no SQL panel "${title}" ${refId}`);
    return t;
  };

  void it("every SQL panel query runs and returns exactly the columns its panel reads", async () => {
    for (const file of DASHBOARD_FILES) {
      for (const t of panelTargets(dashboards[file]).filter((x) => x.kind === "sql")) {
        const entry = catalogueEntry(t.text);
        assert.ok(entry, `${file} "${t.panelTitle}": not in the catalogue`);
        const res = await query(t, file).catch((err: Error) => assert.fail(`${file} "${t.panelTitle}" ${t.refId}: ${err.message}`));
        assert.deepEqual(res.fields.map((f) => f.name), [...entry[1].columns], `${file} "${t.panelTitle}" columns`);
      }
    }
  });

  void it("participant table: wear %, valid days, inactivity and sleep flags match the ground truth", async () => {
    const { rows } = await query(target("adherence-overview.json", "Participant adherence"), "adherence-overview.json");
    assert.equal(rows.length, SYNCED.length);
    for (const who of SYNCED) {
      const row = rows.find((r) => r.participant_id === who.participantId);
      assert.ok(row, who.participantId);
      const days = truth.get(who.participantId) ?? [];
      const wear = days.reduce((a, d) => a + d.heartRateMinutes, 0);
      const valid = days.filter((d) => d.validDay);
      assert.equal(Number(row.valid_days), valid.length, `${who.participantId} valid days`);
      assert.equal(Number(row.wear_percent), round1((100 * wear) / (days.length * 1440)), `${who.participantId} wear %`);
      assert.equal(Number(row.inactive_days), valid.filter((d) => d.steps < T.inactiveStepsPerDay).length, `${who.participantId} inactive days`);
      assert.equal(Number(row.nights_classic_sleep), days.filter((d) => d.mainSleep === "CLASSIC").length, `${who.participantId} classic nights`);
      assert.equal(Number(row.nights_no_main_sleep), days.filter((d) => d.mainSleep === null).length, `${who.participantId} nights without main sleep`);
      assert.equal(Number(row.target_valid_days), round1((T.targetValidDaysPerWeek * days.length) / 7));
      assert.equal(row.contact, "contact");
    }
  });

  void it("threshold variables drive the table: a stricter valid-day rule, and a malicious value fails without harm", async () => {
    const t = target("adherence-overview.json", "Participant adherence");
    const run = (minutes: string) => db.pool.query<Record<string, unknown>>(expandGrafanaSql(t.text, {
      ...period, intervalMs: 86_400_000, timescaledb: true,
      variables: { ...variablesFor("adherence-overview.json", SYNCED.map((w) => w.participantId)), valid_day_minutes: { value: minutes } },
    }));
    const { rows } = await run("1152");
    for (const who of SYNCED) {
      const expected = (truth.get(who.participantId) ?? []).filter((d) => d.heartRateMinutes >= 1152).length;
      assert.equal(Number(rows.find((r) => r.participant_id === who.participantId)?.valid_days), expected, `${who.participantId} at 1152 min`);
    }
    await assert.rejects(run("600'); DROP TABLE samples; --"), /invalid input syntax for type numeric/);
    const { rows: [still] } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM samples");
    assert.ok((still?.n ?? 0) > 0, "samples survived");
  });

  void it("a participant with 3 non-wear days shows exactly those days as missing valid days", async () => {
    const nonWear = groundTruthNonWearDays(NONWEAR, firstDay, dayAfterLast);
    assert.equal(nonWear.length, 3);
    const { rows } = await query(target("participant-detail.json", "Daily wear and valid days"), "participant-detail.json");
    const byDay = new Map(rows.map((r) => [isoDate(timeMs(r.time)), r]));
    for (const day of truth.get(NONWEAR.participantId) ?? []) {
      const row = byDay.get(day.date);
      if (nonWear.includes(day.date)) {
        assert.ok(!row || (Number(row.wear_minutes) === 0 && Number(row.valid_day) === 0), `${day.date} is a non-wear day`);
      } else {
        assert.ok(row, `${day.date} missing`);
        assert.equal(Number(row.wear_minutes), day.heartRateMinutes, `${day.date} wear minutes`);
        assert.equal(Number(row.valid_day), day.validDay ? 1 : 0, `${day.date} valid day`);
      }
    }
  });

  void it("days since last sync and the sync flag follow the phone's last sync", async () => {
    const { rows } = await query(target("adherence-overview.json", "Participant adherence"), "adherence-overview.json", { participant: COHORT.map((w) => w.participantId) });
    assert.equal(rows.length, COHORT.length);
    const now = new Date();
    for (const who of COHORT) {
      const row = rows.find((r) => r.participant_id === who.participantId);
      const last = lastSyncAtFor(who, now);
      assert.ok(last && row);
      const expected = (now.getTime() - last.getTime()) / DAY;
      assert.ok(Math.abs(Number(row.days_since_sync) - expected) <= 0.15, `${who.participantId}: ${String(row.days_since_sync)} vs ${expected.toFixed(2)}`);
      assert.equal(String(row.flags).includes("sync overdue"), expected > T.daysWithoutSync, `${who.participantId} flags: ${String(row.flags)}`);
    }
  });

  void it("study stats agree with the per-participant ground truth", async () => {
    const one = async (title: string): Promise<number> => {
      const { rows } = await query(target("adherence-overview.json", title), "adherence-overview.json");
      assert.equal(rows.length, 1);
      return Number(Object.values(rows[0] ?? {})[0]);
    };
    assert.equal(await one("Participants"), SYNCED.length);
    const wear = SYNCED.map((w) => (100 * (truth.get(w.participantId) ?? []).reduce((a, d) => a + d.heartRateMinutes, 0)) / (7 * 1440)).sort((a, b) => a - b);
    assert.equal(await one("Median wear time"), round1(wear[1] ?? NaN));
    const meeting = SYNCED.filter((w) => (truth.get(w.participantId) ?? []).filter((d) => d.validDay).length >= T.targetValidDaysPerWeek).length;
    assert.equal(await one("Meeting valid-day target"), round1((100 * meeting) / SYNCED.length));
    const sleepIssues = SYNCED.reduce((a, w) => a + (truth.get(w.participantId) ?? []).filter((d) => d.mainSleep !== "STAGES").length, 0);
    assert.equal(await one("Nights with sleep-data issues"), sleepIssues);
    const { rows: [imp] } = await db.pool.query<{ imputed: number }>(
      `SELECT count(*)::int AS imputed FROM imputed_samples i JOIN participants p USING (participant_id)
       WHERE i.metric = 'heart_rate' AND i.participant_id = ANY($3)
         AND i.ts >= ($1::date::timestamp AT TIME ZONE p.time_zone) AND i.ts < ($2::date::timestamp AT TIME ZONE p.time_zone)`,
      [firstDay, dayAfterLast, SYNCED.map((w) => w.participantId)]);
    const worn = SYNCED.reduce((a, w) => a + (truth.get(w.participantId) ?? []).reduce((s, d) => s + d.heartRateMinutes, 0), 0);
    assert.equal(await one("Imputed heart-rate share"), round1((100 * (imp?.imputed ?? 0)) / (worn + (imp?.imputed ?? 0))));
  });

  void it("completeness heatmap has one cell per participant-day with the day's wear %", async () => {
    const { rows } = await query(target("adherence-overview.json", "Completeness: wear % per participant and day"), "adherence-overview.json");
    for (const who of SYNCED) {
      for (const day of truth.get(who.participantId) ?? []) {
        const cell = rows.find((r) => r.metric === who.participantId && isoDate(timeMs(r.time)) === day.date);
        if (day.nonWear && !cell) continue;
        assert.ok(cell, `${who.participantId} ${day.date}`);
        assert.equal(Number(cell.wear_percent), round1((100 * day.heartRateMinutes) / 1440));
      }
    }
  });

  void it("heart rate: raw minutes per day match the wear signal, in raw and hourly-rollup modes; imputed values sit inside their band", async () => {
    const day = (truth.get(NONWEAR.participantId) ?? []).find((d) => !d.nonWear);
    assert.ok(day);
    const range = { from: new Date(`${day.date}T00:00:00Z`), to: new Date(`${day.date}T23:59:59.999Z`) };
    const raw = await query(target("participant-detail.json", "Heart rate: raw and imputed", "A"), "participant-detail.json", { ...range, intervalMs: 60_000 });
    assert.equal(raw.rows.length, day.heartRateMinutes, "one 1-minute bucket per worn minute");
    const hourly = await query(target("participant-detail.json", "Heart rate: raw and imputed", "A"), "participant-detail.json", { ...range, intervalMs: 3_600_000 });
    const { rows: [direct] } = await db.pool.query<{ n: number; avg: number }>(
      "SELECT count(DISTINCT date_trunc('hour', ts))::int AS n, avg(value) AS avg FROM samples WHERE participant_id = $1 AND metric = 'heart_rate' AND ts BETWEEN $2 AND $3",
      [NONWEAR.participantId, range.from, range.to]);
    assert.equal(hourly.rows.length, direct?.n);
    const imputed = await query(target("participant-detail.json", "Heart rate: raw and imputed", "B"), "participant-detail.json", { intervalMs: 60_000 });
    const { rows: [count] } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM imputed_samples WHERE participant_id = $1 AND metric = 'heart_rate' AND ts BETWEEN $2 AND $3", [NONWEAR.participantId, period.from, period.to]);
    assert.ok((count?.n ?? 0) > 0, "the impute run filled sensor dropouts");
    assert.equal(imputed.rows.length, count?.n);
    for (const r of imputed.rows) {
      if (r.imputed_lower === null) continue;
      assert.ok(Number(r.imputed_lower) <= Number(r.imputed) && Number(r.imputed) <= Number(r.imputed_upper));
    }
  });

  void it("steps per day sum to the ground truth; sleep stages and sessions match the stored nights", async () => {
    const days = truth.get(NONWEAR.participantId) ?? [];
    const steps = await query(target("participant-detail.json", "Steps per hour"), "participant-detail.json");
    for (const day of days) {
      const sum = steps.rows.filter((r) => isoDate(timeMs(r.time)) === day.date).reduce((a, r) => a + Number(r.steps), 0);
      assert.equal(sum, day.steps, `${day.date} steps`);
    }
    // Sessions overlapping the period: the nights ending on firstDay .. the day after lastDay (UTC participant).
    const nights = groundTruthDays(NONWEAR, firstDay, isoDate(today));
    const own = await query(target("participant-detail.json", "Sleep sessions"), "participant-detail.json");
    const mains = own.rows.filter((r) => r.is_main);
    assert.equal(mains.length, nights.filter((d) => d.mainSleep !== null).length, "main sleeps");
    assert.equal(mains.filter((r) => r.sleep_type === "CLASSIC").length, nights.filter((d) => d.mainSleep === "CLASSIC").length, "classic main sleeps");
    const who = SYNCED[1] as Who;
    const sessions = await query(target("participant-detail.json", "Sleep sessions"), "participant-detail.json", { participant: who.participantId });
    const stages = await query(target("participant-detail.json", "Sleep stages"), "participant-detail.json", { participant: who.participantId });
    assert.equal(stages.rows.filter((r) => r.stage === null).length, sessions.rows.length, "one NULL (session end) per session");
    assert.ok(stages.rows.some((r) => r.stage === "DEEP"), "a compliant participant has DEEP sleep");
  });

  void it("pipeline panels reflect the ingest runs", async () => {
    const runs = await query(target("pipeline-health.json", "Runs by kind and status (database)"), "pipeline-health.json", { from: new Date(Date.now() - DAY), to: new Date() });
    const { rows: [n] } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pipeline_runs WHERE started_at > now() - interval '1 day'");
    assert.ok((n?.n ?? 0) >= COHORT.length, "one ingest run per participant at least");
    assert.equal(runs.rows.reduce((a, r) => a + Number(r.runs), 0), n?.n);
    const lag = await query(target("pipeline-health.json", "Ingest lag per participant"), "pipeline-health.json");
    assert.deepEqual(lag.rows.map((r) => r.participant_id).sort(), COHORT.map((w) => w.participantId).sort());
    const detailRuns = await query(target("participant-detail.json", "Pipeline runs"), "participant-detail.json", { from: new Date(Date.now() - DAY), to: new Date() });
    assert.ok(detailRuns.rows.some((r) => r.kind === "ingest"), "the participant's ingest run is listed");
    const size = await query(target("pipeline-health.json", "Database size now (SQL)"), "pipeline-health.json");
    assert.ok(Number(size.rows[0]?.bytes) > 0);
  });
});
