import type { Command } from "../../lib/cli.ts";

const command: Command = {
  name: "impute-csv",
  summary: "Impute gaps in a CSV time series (offline mode)",
  usage: `Usage: wearable impute-csv [flags]

Impute gaps in a CSV time series (offline mode)
(Implemented by issue 4.)`,
  async run() {
    console.error("wearable impute-csv: not implemented yet (issue 4)");
    return 1;
  },
};
export default command;
