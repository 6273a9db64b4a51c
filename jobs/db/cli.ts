// `wearable db`: serves the embedded TimescaleDB (PGlite) on a local port.
import { parseFlags, parsePort, UsageError, type Command } from "../../lib/cli.ts";
import { createLogger } from "../../lib/logger.ts";
import { startEmbeddedDb } from "./embedded.ts";

const usage = `Usage: wearable db [--data-dir DIR | --memory] [--host 127.0.0.1] [--port 5432]

Serves the embedded TimescaleDB (PGlite + TimescaleDB extension) over the
Postgres wire protocol until interrupted, and prints its connection URL.

  --data-dir DIR   keep data in DIR (default .demo/pgdata)
  --memory         keep data in memory only (lost on exit)
  --host HOST      address to bind (default 127.0.0.1)
  --port PORT      port to listen on; 0 picks a free one (default 5432)

The embedded server handles one connection at a time: use a pool of size 1.
Background policies (compression, retention, aggregate refresh) do not run.`;

const command: Command = {
  name: "db",
  summary: "Serve the embedded TimescaleDB (PGlite) over the Postgres protocol",
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      "data-dir": { type: "string" },
      memory: { type: "boolean", default: false },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "5432" },
    });
    const port = parsePort(values.port);
    if (values.memory && values["data-dir"]) throw new UsageError("--memory and --data-dir exclude each other; pick one");
    const log = createLogger({ name: "db" });
    const dataDir = values.memory ? undefined : (values["data-dir"] ?? ".demo/pgdata");
    const db = await startEmbeddedDb({ dataDir, host: values.host, port });
    log.info({ port: db.port, dataDir: dataDir ?? "(memory)" }, "Embedded TimescaleDB started");
    console.log(`DATABASE_URL=${db.url}`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await db.stop();
    log.info("Embedded TimescaleDB stopped");
    return 0;
  },
};
export default command;
