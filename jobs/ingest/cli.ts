// `wearable ingest`: one participant, one run, as the operator's CronJob runs
// it. Exit 0 on success, 1 on failure (with the reason on stderr and in the
// termination message), 2 on bad flags.
import { parseDuration, parseFlags, parseWholeNumber, UsageError, type Command } from "../../lib/cli.ts";
import { createLogger } from "../../lib/logger.ts";
import { openDb, resolveDatabaseUrl } from "../db/pool.ts";
import { createDataSource, SOURCE_NAMES } from "../sources/create-source.ts";
import { METRICS, type Metric } from "../sources/types.ts";
import { writeTerminationLog } from "../../lib/termination.ts";
import { DEFAULT_VALID_DAY_MINUTES, type AdherenceSummary } from "./adherence.ts";
import { DEFAULTS, ingest, IngestError } from "./ingest.ts";

/** What the operator reads from the termination message (operator/src/controllers/job-outcome.ts). */
interface IngestTermination {
  kind: "ingest";
  participantId: string;
  rowsWritten: number;
  rowsRejected: number;
  lastSampleTime: string | null;
  adherence: AdherenceSummary | null;
  /** Present when the job failed. */
  error?: string;
}
import { assertTimeZone } from "./window.ts";

const DEFAULT_METRICS = "heart_rate,steps,sleep";

const usage = `Usage: wearable ingest --participant ID --source synthetic|google-health [flags]

Reads one participant's data since the last watermark (re-reading a trailing
window for late syncs), rejects and counts invalid points, upserts the rest in
batched transactions, advances the watermarks, records a pipeline_runs row and
recomputes adherence_daily for the days read. Safe to kill and re-run.

  --participant ID        participant id (required)
  --source NAME           ${SOURCE_NAMES.join(" | ")} (required)
  --metrics LIST          comma-separated, from ${METRICS.join(",")} (default ${DEFAULT_METRICS})
  --backfill-days N       a new participant starts N local days back (default ${DEFAULTS.backfillDays})
  --trailing-window DUR   re-read this far behind the watermark (default 3d)
  --time-zone TZ          participant's IANA zone for local days (default: stored, else UTC)
  --token-secret NS/NAME  google-health: Secret with client_id, client_secret, refresh_token
  --token-file PATH       google-health, local development: JSON token file instead of a Secret
  --seed N                synthetic: seed (default derived from the participant id)
  --profile NAME          synthetic: behaviour profile (default compliant)
  --now ISO               reference time (default: now); for reproducible synthetic runs
  --batch-size N          rows per transaction (default ${DEFAULTS.batchRows})
  --database-url URL      default: env DATABASE_URL

Environment: DATABASE_URL, WEARABLE_DB_EMBEDDED=1 (pool of one), TERMINATION_LOG
(default /dev/termination-log when present), WEARABLE_VALID_DAY_MINUTES (default
${DEFAULT_VALID_DAY_MINUTES}), GOOGLE_HEALTH_API_BASE_URL, GOOGLE_OAUTH_TOKEN_URL, LOG_LEVEL.`;

function wholeNumberOr(text: string | undefined, flag: string, fallback: number): number {
  return text === undefined ? fallback : parseWholeNumber(text, flag);
}

export function parseMetrics(text: string): Metric[] {
  const list = text.split(",").map((m) => m.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`--metrics: empty; use a comma-separated list from ${METRICS.join(",")}`);
  for (const m of list) {
    if (!(METRICS as readonly string[]).includes(m)) throw new UsageError(`--metrics: "${m}" is not a metric; use ${METRICS.join(",")}`);
  }
  return [...new Set(list)] as Metric[];
}

function parseOptions(argv: string[]) {
  const { values } = parseFlags(argv, {
    participant: { type: "string" },
    source: { type: "string" },
    metrics: { type: "string", default: DEFAULT_METRICS },
    "backfill-days": { type: "string" },
    "trailing-window": { type: "string", default: "3d" },
    "time-zone": { type: "string" },
    "token-secret": { type: "string" },
    "token-file": { type: "string" },
    seed: { type: "string" },
    profile: { type: "string" },
    now: { type: "string" },
    "batch-size": { type: "string" },
    "database-url": { type: "string" },
  });
  if (!values.participant) throw new UsageError("--participant: required (the participant id)");
  if (!values.source) throw new UsageError(`--source: required; use one of ${SOURCE_NAMES.join(", ")}`);
  if (!(SOURCE_NAMES as readonly string[]).includes(values.source)) throw new UsageError(`--source: "${values.source}" is not a source; use one of ${SOURCE_NAMES.join(", ")}`);
  if (values["time-zone"] !== undefined) {
    try {
      assertTimeZone(values["time-zone"]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  let now: Date | undefined;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now: "${values.now}" is not a timestamp; use ISO 8601, e.g. 2026-11-20T12:00:00Z`);
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError(`--seed: "${values.seed}" is not an integer`);
  const batchRows = wholeNumberOr(values["batch-size"], "--batch-size", DEFAULTS.batchRows);
  if (batchRows < 1) throw new UsageError("--batch-size: must be at least 1");
  const validDay = process.env.WEARABLE_VALID_DAY_MINUTES;
  return {
    participantId: values.participant,
    source: values.source,
    metrics: parseMetrics(values.metrics),
    backfillDays: wholeNumberOr(values["backfill-days"], "--backfill-days", DEFAULTS.backfillDays),
    trailingWindowMs: parseDuration(values["trailing-window"], "--trailing-window"),
    timeZone: values["time-zone"],
    tokenSecret: values["token-secret"],
    tokenFile: values["token-file"],
    seed,
    profile: values.profile,
    now,
    batchRows,
    validDayMinutes: validDay ? wholeNumberOr(validDay, "WEARABLE_VALID_DAY_MINUTES", DEFAULT_VALID_DAY_MINUTES) : undefined,
    databaseUrl: values["database-url"],
  };
}

const command: Command = {
  name: "ingest",
  summary: "Ingest one participant's wearable data into TimescaleDB",
  usage,
  async run(argv) {
    const o = parseOptions(argv);
    const log = createLogger({ name: "ingest" });
    const base: IngestTermination = { kind: "ingest", participantId: o.participantId, rowsWritten: 0, rowsRejected: 0, lastSampleTime: null, adherence: null };
    let db;
    try {
      db = await openDb(resolveDatabaseUrl(o.databaseUrl), { log, applicationName: "wearable-ingest" });
      const source = createDataSource({
        source: o.source, participantId: o.participantId, seed: o.seed, profile: o.profile, timeZone: o.timeZone,
        now: o.now, tokenSecret: o.tokenSecret, tokenFile: o.tokenFile, logger: log,
      });
      const r = await ingest({
        db, source, participantId: o.participantId, metrics: o.metrics, timeZone: o.timeZone, now: o.now,
        backfillDays: o.backfillDays, trailingWindowMs: o.trailingWindowMs, batchRows: o.batchRows, validDayMinutes: o.validDayMinutes, log,
      });
      await writeTerminationLog({ ...base, rowsWritten: r.rowsWritten, rowsRejected: r.rowsRejected, lastSampleTime: r.lastSampleTime, adherence: r.adherence });
      return 0;
    } catch (err) {
      const message = err instanceof IngestError ? err.message : `ingest of participant ${o.participantId} failed: ${(err as Error).message}`;
      if (!(err instanceof IngestError)) log.error({ participant: o.participantId, err: (err as Error).message }, "Failed to ingest participant data");
      console.error(`wearable ingest: ${message}`);
      await writeTerminationLog({ ...base, error: message }).catch(() => {});
      return 1;
    } finally {
      await db?.close();
    }
  },
};
export default command;
