import type { Command } from "../lib/cli.ts";

const command: Command = {
  name: "outreach",
  summary: "Serve the researcher outreach web app",
  usage: `Usage: wearable outreach [flags]

Serve the researcher outreach web app
(Implemented by issue 7.)`,
  async run() {
    console.error("wearable outreach: not implemented yet (issue 7)");
    return 1;
  },
};
export default command;
