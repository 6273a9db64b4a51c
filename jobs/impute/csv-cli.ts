// `wearable impute-csv`: the offline mode for researchers and benchmarks.
// Reads `timestamp,value` CSV, resamples it to a grid, imputes the gaps and
// writes `timestamp,value,imputed,lower,upper`. `-` means stdin/stdout.
// stdout carries only CSV: logs go to stderr and the ARIMA worker's native
// printing is captured inside the worker pool.
import { readFile, writeFile } from "node:fs/promises";
import { parseDuration, parseFlags, UsageError, type Command } from "../../lib/cli.ts";
import { sharedArimaPool } from "./arima-pool.ts";
import { CsvInputError, formatRow, OUTPUT_HEADER, parseSeriesCsv } from "./csv.ts";
import { imputeSeries } from "./impute.ts";
import { METHOD_CHOICES, METRICS, type MethodChoice, type Metric } from "./methods/types.ts";
import { resample } from "./series.ts";

const usage = `Usage: wearable impute-csv --metric heart_rate|steps --input in.csv --output out.csv
                           [--method auto|arima|seasonal|linear|locf] [--max-gap 120m] [--interval 60s]

Imputes gaps in one time series offline.

  --metric M      heart_rate or steps (required)
  --method M      auto (default), arima, seasonal, linear or locf
  --max-gap D     longest gap to fill (default 120m); longer gaps stay empty
  --interval D    grid spacing (default 60s); irregular input is averaged per
                  interval (heart rate) or summed (steps)
  --input FILE    CSV with header "timestamp,value"; ISO-8601 timestamps with a
                  zone (Z or +hh:mm); an empty value means missing; - = stdin
  --output FILE   CSV "timestamp,value,imputed,lower,upper", one row per grid
                  point; lower/upper are a calibrated 90% interval; - = stdout

Without step counts the offline mode cannot see non-wear: only --max-gap
decides which gaps stay empty. Malformed input exits 2 naming the line.`;

async function readInput(path: string): Promise<string> {
  if (path !== "-") return readFile(path, "utf8");
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export interface CsvImputeArgs {
  metric: Metric;
  method: MethodChoice;
  maxGapMs: number;
  intervalMs: number;
}

/** The whole offline transformation, text in and text out (pure apart from the ARIMA worker). */
export async function imputeCsvText(text: string, args: CsvImputeArgs): Promise<string> {
  const samples = parseSeriesCsv(text, { nonNegative: true });
  const grid = resample(samples, { stepMs: args.intervalMs, aggregate: args.metric === "steps" ? "sum" : "mean" });
  const res = await imputeSeries(grid, {
    metric: args.metric,
    method: args.method,
    maxGapPoints: Math.floor(args.maxGapMs / args.intervalMs),
    nonWearMinPoints: Number.MAX_SAFE_INTEGER,
  });
  const lines = [OUTPUT_HEADER];
  for (let i = 0; i < res.values.length; i++) {
    lines.push(formatRow({ ts: grid.start + i * grid.stepMs, value: res.values[i]!, imputed: res.imputed[i] === 1, lower: res.lower[i]!, upper: res.upper[i]! }));
  }
  return lines.join("\n") + "\n";
}

export function parseCsvArgs(argv: string[]): CsvImputeArgs & { input: string; output: string } {
  const { values } = parseFlags(argv, {
    metric: { type: "string" },
    method: { type: "string", default: "auto" },
    "max-gap": { type: "string", default: "120m" },
    interval: { type: "string", default: "60s" },
    input: { type: "string" },
    output: { type: "string" },
  });
  if (!values.metric || !METRICS.includes(values.metric as Metric)) {
    throw new UsageError(`--metric: "${values.metric ?? ""}" is not supported; use heart_rate or steps`);
  }
  if (!METHOD_CHOICES.includes(values.method as MethodChoice)) {
    throw new UsageError(`--method: "${values.method}" is not a method; use ${METHOD_CHOICES.join(", ")}`);
  }
  if (!values.input) throw new UsageError("--input is required (a file, or - for stdin)");
  if (!values.output) throw new UsageError("--output is required (a file, or - for stdout)");
  const intervalMs = parseDuration(values.interval, "--interval");
  if (intervalMs < 1000) throw new UsageError(`--interval: ${values.interval} is below 1s; use e.g. 60s`);
  const maxGapMs = parseDuration(values["max-gap"], "--max-gap");
  if (maxGapMs < intervalMs) throw new UsageError(`--max-gap: ${values["max-gap"]} is shorter than --interval; use e.g. 120m`);
  return { metric: values.metric as Metric, method: values.method as MethodChoice, maxGapMs, intervalMs, input: values.input, output: values.output };
}

const command: Command = {
  name: "impute-csv",
  summary: "Impute gaps in a CSV time series (offline mode)",
  usage,
  async run(argv) {
    const args = parseCsvArgs(argv);
    let text: string;
    try {
      text = await readInput(args.input);
    } catch (err) {
      console.error(`wearable impute-csv: cannot read --input ${args.input}: ${(err as Error).message}`);
      return 2;
    }
    let out: string;
    try {
      out = await imputeCsvText(text, args);
    } catch (err) {
      if (err instanceof CsvInputError) {
        console.error(`wearable impute-csv: ${args.input === "-" ? "stdin" : args.input}: ${err.message}`);
        return 2;
      }
      throw err;
    } finally {
      await sharedArimaPool().close();
    }
    if (args.output === "-") await new Promise<void>((resolve, reject) => process.stdout.write(out, (e) => (e ? reject(e) : resolve())));
    else await writeFile(args.output, out);
    return 0;
  },
};
export default command;
