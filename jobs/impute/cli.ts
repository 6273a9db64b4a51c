import type { Command } from "../../lib/cli.ts";

const command: Command = {
  name: "impute",
  summary: "Impute gaps for one participant and metric in the database",
  usage: `Usage: wearable impute [flags]

Impute gaps for one participant and metric in the database
(Implemented by issue 4.)`,
  async run() {
    console.error("wearable impute: not implemented yet (issue 4)");
    return 1;
  },
};
export default command;
