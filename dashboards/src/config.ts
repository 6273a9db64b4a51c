// The typed configuration every dashboard is a function of. Threshold
// defaults come from the chart's values.yaml (`thresholds:`), the one source
// of truth shared with the alert rules, so a study that changes a threshold
// in the chart gets matching dashboard variable defaults on regeneration.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";

export const VALUES_PATH = fileURLToPath(new URL("../../charts/wearable-pipeline/values.yaml", import.meta.url));

const thresholdsSchema = z.object({
  validDayMinutes: z.number().int().min(1).max(1440),
  wearPercent: z.number().min(0).max(100),
  inactiveStepsPerDay: z.number().int().min(0),
  daysWithoutSync: z.number().min(0),
  targetValidDaysPerWeek: z.number().min(0).max(7),
});

export type Thresholds = z.infer<typeof thresholdsSchema>;

export interface DashboardsConfig {
  thresholds: Thresholds;
  /** Browser-reachable base URL of the outreach service (no trailing slash); a dashboard variable default. */
  outreachBaseUrl: string;
  /** Dashboard uids are `${uidPrefix}-<name>`: stable so links and bookmarks survive regeneration. */
  uidPrefix: string;
  /** Kubernetes namespace regex preselected on the pipeline-health dashboard. */
  namespaceDefault: string;
}

/** kind maps the outreach NodePort (30080) to localhost:8081; override with values `outreach.publicUrl`. */
export const DEFAULT_OUTREACH_BASE_URL = "http://localhost:8081";

const outreachUrlSchema = z.url().refine((u) => !u.endsWith("/"), "must not end with '/'");

/** Parse the `thresholds:` block of a values.yaml text; errors name the field and the fix. */
export function thresholdsFromValues(valuesYaml: string, source = "values.yaml"): Thresholds {
  const doc = parse(valuesYaml) as { thresholds?: unknown } | null;
  const parsed = thresholdsSchema.safeParse(doc?.thresholds);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ["thresholds", ...(issue?.path ?? [])].join(".");
    throw new Error(`${source}: invalid ${field}: ${issue?.message ?? "unknown"}; set it to a number in the documented range`);
  }
  return parsed.data;
}

/** `outreach.publicUrl` from values.yaml when set (browser-facing URL of the outreach service). */
export function outreachUrlFromValues(valuesYaml: string, source = "values.yaml"): string {
  const doc = parse(valuesYaml) as { outreach?: { publicUrl?: unknown } } | null;
  const raw = doc?.outreach?.publicUrl;
  if (raw === undefined || raw === null || raw === "") return DEFAULT_OUTREACH_BASE_URL;
  const parsed = outreachUrlSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${source}: invalid outreach.publicUrl: ${parsed.error.issues[0]?.message ?? "unknown"}; use an absolute http(s) URL without a trailing slash`);
  }
  return parsed.data;
}

export async function loadConfig(valuesPath = VALUES_PATH): Promise<DashboardsConfig> {
  const text = await readFile(valuesPath, "utf8");
  return {
    thresholds: thresholdsFromValues(text, valuesPath),
    outreachBaseUrl: outreachUrlFromValues(text, valuesPath),
    uidPrefix: "wearable",
    namespaceDefault: ".*",
  };
}
