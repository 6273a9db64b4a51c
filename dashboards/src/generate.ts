// Writes dashboards/*.json from the TypeScript sources.
//   node dashboards/src/generate.ts           write the files
//   node dashboards/src/generate.ts --check   exit 1 if a committed file differs
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadConfig } from "./config.ts";
import { DASHBOARD_FILES, buildDashboards, renderDashboard } from "./index.ts";

export const DASHBOARDS_DIR = fileURLToPath(new URL("..", import.meta.url));

/** File name -> JSON text for the current sources and chart values. */
export async function generatedFiles(): Promise<Record<string, string>> {
  const dashboards = buildDashboards(await loadConfig());
  return Object.fromEntries(DASHBOARD_FILES.map((f) => [f, renderDashboard(dashboards[f])]));
}

/** Names of committed files that differ from (or are missing versus) the generated ones. */
export async function staleFiles(dir = DASHBOARDS_DIR): Promise<string[]> {
  const stale: string[] = [];
  for (const [name, text] of Object.entries(await generatedFiles())) {
    const current = await readFile(join(dir, name), "utf8").catch(() => undefined);
    if (current !== text) stale.push(name);
  }
  return stale;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--check")) {
    const stale = await staleFiles();
    if (stale.length === 0) return 0;
    console.error(`Dashboards out of date: ${stale.join(", ")}; run \`node dashboards/src/generate.ts\` and commit the result`);
    return 1;
  }
  for (const [name, text] of Object.entries(await generatedFiles())) await writeFile(join(DASHBOARDS_DIR, name), text);
  console.error(`Wrote ${DASHBOARD_FILES.length} dashboards to ${DASHBOARDS_DIR}`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
