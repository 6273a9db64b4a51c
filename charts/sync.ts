// Keeps the chart's generated and copied files in step with their sources:
//   templates/prometheusrule.yaml  <- charts/alerts/rules.ts (generated)
//   crds/*.yaml                    <- crds/*.yaml (the operator's CRDs, copied)
//   dashboards/*.json              <- dashboards/*.json (generated dashboards, copied)
//   values.schema.json             <- forOverrides keys from the alert names
//   README.md values table         <- values.yaml (`# --` comments and defaults)
// Usage: node charts/sync.ts          write what is stale
//        node charts/sync.ts --check  exit 1 and list what is stale
// Helm cannot read files outside the chart directory, hence copies; the
// chart-sync test fails whenever a copy drifts.
import { readdir, readFile, writeFile, rm, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { alertNames, renderPrometheusRuleTemplate } from "./alerts/render-template.ts";
import { withValuesTable } from "./values-table.ts";

const repoRoot = resolve(import.meta.dirname, "..");
export const chartDir = join(repoRoot, "charts/wearable-pipeline");

export interface SyncEntry {
  /** Path relative to the repo root. */
  target: string;
  /** Desired content; null means the file must not exist. */
  content: string | null;
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** A mirrored folder: every source file copied, and target files with no source removed. */
async function mirror(sourceDir: string, targetDir: string, suffix: string): Promise<SyncEntry[]> {
  const sources = await listFiles(join(repoRoot, sourceDir), suffix);
  const targets = await listFiles(join(repoRoot, targetDir), suffix);
  const entries: SyncEntry[] = [];
  for (const f of sources) entries.push({ target: join(targetDir, f), content: await readFile(join(repoRoot, sourceDir, f), "utf8") });
  for (const f of targets) if (!sources.includes(f)) entries.push({ target: join(targetDir, f), content: null });
  return entries;
}

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  propertyNames?: { enum?: string[] };
}

/** values.schema.json with forOverrides' allowed keys set to the alert names. */
async function schemaWithAlertNames(): Promise<string> {
  const path = join(chartDir, "values.schema.json");
  const schema = JSON.parse(await readFile(path, "utf8")) as JsonSchema;
  const forOverrides = schema.properties?.monitoring?.properties?.alerts?.properties?.forOverrides;
  if (!forOverrides?.propertyNames) throw new Error(`${path}: monitoring.alerts.forOverrides.propertyNames is missing`);
  forOverrides.propertyNames.enum = alertNames();
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export async function desiredFiles(): Promise<SyncEntry[]> {
  return [
    { target: "charts/wearable-pipeline/templates/prometheusrule.yaml", content: renderPrometheusRuleTemplate() },
    { target: "charts/wearable-pipeline/values.schema.json", content: await schemaWithAlertNames() },
    {
      target: "charts/wearable-pipeline/README.md",
      content: withValuesTable(await readFile(join(chartDir, "README.md"), "utf8"), await readFile(join(chartDir, "values.yaml"), "utf8")),
    },
    ...(await mirror("crds", "charts/wearable-pipeline/crds", ".yaml")),
    ...(await mirror("dashboards", "charts/wearable-pipeline/dashboards", ".json")),
  ];
}

async function current(path: string): Promise<string | null> {
  try {
    return await readFile(join(repoRoot, path), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Paths whose content differs from what the sources say. */
export async function staleFiles(): Promise<string[]> {
  const stale: string[] = [];
  for (const e of await desiredFiles()) if ((await current(e.target)) !== e.content) stale.push(e.target);
  return stale;
}

export async function sync(): Promise<string[]> {
  const changed: string[] = [];
  for (const e of await desiredFiles()) {
    if ((await current(e.target)) === e.content) continue;
    const abs = join(repoRoot, e.target);
    if (e.content === null) await rm(abs);
    else {
      await mkdir(join(abs, ".."), { recursive: true });
      await writeFile(abs, e.content);
    }
    changed.push(e.target);
  }
  return changed;
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  const files = check ? await staleFiles() : await sync();
  if (check && files.length > 0) {
    console.error(`Out of date (run \`node charts/sync.ts\`):\n  ${files.join("\n  ")}`);
    process.exitCode = 1;
  } else if (!check) {
    console.error(files.length ? `Updated:\n  ${files.join("\n  ")}` : "Everything in sync");
  }
}
