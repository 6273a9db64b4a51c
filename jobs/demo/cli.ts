// `wearable demo` (`make demo`): see demo.ts.
import { parseFlags, parseWholeNumber, UsageError, type Command } from "../../lib/cli.ts";
import { createLogger } from "../../lib/logger.ts";
import { assertTimeZone } from "../ingest/window.ts";
import { runDemo } from "./demo.ts";

const usage = `Usage: wearable demo [flags]

Runs the pipeline locally with no Docker and no cluster: starts the embedded
TimescaleDB in a local folder, migrates, ingests a synthetic cohort, imputes
heart-rate dropouts (when the impute job is available), prints an adherence
table and writes a self-contained HTML report. Run it again: it reuses the
data and only re-reads the trailing window.

  --data-dir DIR       database folder (default .demo/pgdata); --memory for none
  --memory             keep the database in memory (nothing reused)
  --participants N     cohort size (default 20)
  --days N             days of history (default 14)
  --time-zone TZ       participants' zone (default UTC)
  --now ISO            reference time (default: now)
  --report PATH        HTML report (default out/report.html)
  --no-impute          skip imputation

Progress goes to stderr, the table to stdout. LOG_LEVEL=info shows job logs.`;

function count(text: string, flag: string, max: number): number {
  return parseWholeNumber(text, flag, { min: 1, max });
}

const command: Command = {
  name: "demo",
  summary: "Run the whole pipeline locally on the embedded database",
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      "data-dir": { type: "string" },
      memory: { type: "boolean", default: false },
      participants: { type: "string", default: "20" },
      days: { type: "string", default: "14" },
      "time-zone": { type: "string", default: "UTC" },
      now: { type: "string" },
      report: { type: "string", default: "out/report.html" },
      "no-impute": { type: "boolean", default: false },
    });
    if (values.memory && values["data-dir"]) throw new UsageError("--memory and --data-dir exclude each other; pick one");
    try {
      assertTimeZone(values["time-zone"]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const now = values.now ? new Date(values.now) : new Date();
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now: "${values.now}" is not a timestamp; use ISO 8601`);
    const log = createLogger({ name: "demo", level: process.env.LOG_LEVEL ?? "warn" });
    await runDemo({
      dataDir: values.memory ? undefined : (values["data-dir"] ?? ".demo/pgdata"),
      participants: count(values.participants, "--participants", 500),
      days: count(values.days, "--days", 60),
      timeZone: values["time-zone"],
      now,
      reportPath: values.report,
      impute: !values["no-impute"],
      log,
      progress: (line) => process.stderr.write(`${line}\n`),
      out: (text) => process.stdout.write(`${text}\n`),
    });
    return 0;
  },
};
export default command;
