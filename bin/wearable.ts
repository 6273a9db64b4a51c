#!/usr/bin/env node
// `wearable`: the one CLI shipped in the image. The operator, every job the
// operator schedules, the embedded database and the outreach service are all
// subcommands, so one image and one set of flags serve a laptop and a cluster.
// Modules load lazily: `wearable ingest` never pays for the operator's imports.
import { UsageError, type Command } from "../lib/cli.ts";
import { recordFailure } from "../lib/termination.ts";

const commands: Record<string, () => Promise<{ default: Command }>> = {
  operator: () => import("../operator/src/cli.ts"),
  migrate: () => import("../jobs/migrate/cli.ts"),
  ingest: () => import("../jobs/ingest/cli.ts"),
  impute: () => import("../jobs/impute/cli.ts"),
  "impute-csv": () => import("../jobs/impute/csv-cli.ts"),
  demo: () => import("../jobs/demo/cli.ts"),
  db: () => import("../jobs/db/cli.ts"),
  outreach: () => import("../outreach/cli.ts"),
  "google-health-double": () => import("../jobs/sources/google-health/double-cli.ts"),
};

async function usage(): Promise<string> {
  const lines = ["Usage: wearable <command> [flags]", "", "Commands:"];
  for (const [name, load] of Object.entries(commands)) {
    const cmd = (await load()).default;
    lines.push(`  ${name.padEnd(22)} ${cmd.summary}`);
  }
  lines.push("", "Run `wearable <command> --help` for a command's flags.");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(await usage());
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`wearable: unknown command "${name}"\n`);
    console.error(await usage());
    return 2;
  }
  const cmd = (await load()).default;
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`wearable ${name}: ${err.message}\n\n${cmd.usage}`);
      return 2;
    }
    // Errors here already say what to fix (e.g. "could not connect to the
    // database at …; check DATABASE_URL"): one line for the log, and for the
    // operator via the termination message. The stack only on request.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`wearable ${name}: ${message}`);
    if (process.env.LOG_LEVEL === "debug" && err instanceof Error) console.error(err.stack);
    await recordFailure(name, message).catch(() => {});
    return 1;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(`wearable: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 1;
    },
  );
}
