import type { Command } from "../../lib/cli.ts";

const command: Command = {
  name: "demo",
  summary: "Run the whole pipeline locally on the embedded database",
  usage: `Usage: wearable demo [flags]

Run the whole pipeline locally on the embedded database
(Implemented by issue 3.)`,
  async run() {
    console.error("wearable demo: not implemented yet (issue 3)");
    return 1;
  },
};
export default command;
