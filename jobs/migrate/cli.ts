import type { Command } from "../../lib/cli.ts";

const command: Command = {
  name: "migrate",
  summary: "Apply database migrations (idempotent, advisory-locked)",
  usage: `Usage: wearable migrate [flags]

Apply database migrations (idempotent, advisory-locked)
(Implemented by issue 3.)`,
  async run() {
    console.error("wearable migrate: not implemented yet (issue 3)");
    return 1;
  },
};
export default command;
