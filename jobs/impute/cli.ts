// `wearable impute`: the job the operator schedules per participant and
// metric. Reads raw samples from the database, writes imputed_samples for
// exactly the requested range (idempotent), records a pipeline_runs row and
// leaves the termination-message summary for the operator.
import { openDb, resolveDatabaseUrl } from "../db/index.ts";
import { parseDuration, parseFlags, UsageError, type Command } from "../../lib/cli.ts";
import { createLogger } from "../../lib/logger.ts";
import { sharedArimaPool } from "./arima-pool.ts";
import { runImputeJob } from "./job.ts";
import { METHOD_CHOICES, METRICS, type MethodChoice, type Metric } from "./methods/types.ts";
import { writeTerminationLog } from "../../lib/termination.ts";

const usage = `Usage: wearable impute --participant ID --metric heart_rate|steps
                       (--from ISO --to ISO | --lookback 7d) [--method auto] [--max-gap 120m]
                       [--database-url URL]

Imputes short sensor dropouts of one participant's metric and writes them to
imputed_samples for exactly the range [from, to), replacing earlier imputed
rows of that range in one transaction. Non-wear (a long heart-rate absence
with no steps) and gaps longer than --max-gap are never filled.

  --participant ID   participant id (letters, digits, . _ -)
  --metric M         heart_rate or steps
  --from, --to       ISO-8601 instants with a zone, e.g. 2024-05-01T00:00:00Z
  --lookback D       instead of --from/--to: the last D up to now, e.g. 7d
  --method M         auto (default), arima, seasonal, linear or locf
  --max-gap D        longest gap to fill (default 120m)
  --database-url U   default: env DATABASE_URL

On success writes {"kind":"impute","gapsFound","gapsFilled","gapsSkipped",
"pointsImputed"} to $TERMINATION_LOG (default /dev/termination-log if present).`;

const PARTICIPANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const MAX_RANGE_MS = 366 * 86_400_000;

function parseInstant(text: string, flag: string): number {
  const ts = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ts)) throw new UsageError(`${flag}: "${text}" is not an ISO-8601 instant with a zone; use e.g. 2024-05-01T00:00:00Z`);
  return ts;
}

export function parseImputeArgs(argv: string[], now = Date.now()) {
  const { values } = parseFlags(argv, {
    participant: { type: "string" },
    metric: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    lookback: { type: "string" },
    method: { type: "string", default: "auto" },
    "max-gap": { type: "string", default: "120m" },
    "database-url": { type: "string" },
  });
  if (!values.participant || !PARTICIPANT.test(values.participant)) {
    throw new UsageError(`--participant: "${values.participant ?? ""}" is not a participant id; use 1–63 letters, digits, . _ -`);
  }
  if (!values.metric || !METRICS.includes(values.metric as Metric)) {
    throw new UsageError(`--metric: "${values.metric ?? ""}" cannot be imputed; use heart_rate or steps`);
  }
  if (!METHOD_CHOICES.includes(values.method as MethodChoice)) {
    throw new UsageError(`--method: "${values.method}" is not a method; use ${METHOD_CHOICES.join(", ")}`);
  }
  let from: number, to: number;
  if (values.lookback !== undefined) {
    if (values.from !== undefined || values.to !== undefined) throw new UsageError("--lookback excludes --from/--to; pass one or the other");
    to = now;
    from = now - parseDuration(values.lookback, "--lookback");
  } else {
    if (values.from === undefined || values.to === undefined) throw new UsageError("pass --from and --to, or --lookback (e.g. --lookback 7d)");
    from = parseInstant(values.from, "--from");
    to = parseInstant(values.to, "--to");
  }
  if (!(to > from)) throw new UsageError("--from must be before --to");
  if (to - from > MAX_RANGE_MS) throw new UsageError("the range is longer than 366 days; split it into several runs");
  const maxGapMs = parseDuration(values["max-gap"], "--max-gap");
  if (maxGapMs < 60_000) throw new UsageError(`--max-gap: ${values["max-gap"]} is below one minute; use e.g. 120m`);
  return {
    participantId: values.participant,
    metric: values.metric as Metric,
    method: values.method as MethodChoice,
    from,
    to,
    maxGapMs,
    databaseUrl: values["database-url"],
  };
}

const command: Command = {
  name: "impute",
  summary: "Impute gaps for one participant and metric in the database",
  usage,
  async run(argv) {
    const args = parseImputeArgs(argv);
    const log = createLogger({ name: "impute" });
    let url: string;
    try {
      url = resolveDatabaseUrl(args.databaseUrl);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const db = await openDb(url, { log, applicationName: "wearable-impute" });
    try {
      const r = await runImputeJob(db.pool, { ...args, log });
      await writeTerminationLog({
        kind: "impute",
        gapsFound: r.gapsFound,
        gapsFilled: r.gapsFilled,
        gapsSkipped: r.gapsSkippedNonWear + r.gapsSkippedTooLong,
        pointsImputed: r.pointsImputed,
      });
      return 0;
    } catch (err) {
      log.error({ err: (err as Error).message, participant: args.participantId, metric: args.metric }, "Imputation failed");
      await writeTerminationLog({ kind: "impute", error: (err as Error).message }).catch(() => {});
      return 1;
    } finally {
      await sharedArimaPool().close();
      await db.close();
    }
  },
};
export default command;
