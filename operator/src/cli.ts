import type { Command } from "../../lib/cli.ts";

const command: Command = {
  name: "operator",
  summary: "Run the Participant/ImputationRun operator",
  usage: `Usage: wearable operator [flags]

Run the Participant/ImputationRun operator
(Implemented by issue 5.)`,
  async run() {
    console.error("wearable operator: not implemented yet (issue 5)");
    return 1;
  },
};
export default command;
