import type { Command } from "../../lib/cli.ts";

const command: Command = {
  name: "ingest",
  summary: "Ingest one participant's wearable data into TimescaleDB",
  usage: `Usage: wearable ingest [flags]

Ingest one participant's wearable data into TimescaleDB
(Implemented by issue 3.)`,
  async run() {
    console.error("wearable ingest: not implemented yet (issue 3)");
    return 1;
  },
};
export default command;
