// Assembles every dashboard from one typed config: file name -> dashboard.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { buildAdherenceOverview } from "./adherence-overview.ts";
import type { DashboardsConfig } from "./config.ts";
import { buildParticipantDetail } from "./participant-detail.ts";
import { buildPipelineHealth } from "./pipeline-health.ts";

export const DASHBOARD_FILES = ["adherence-overview.json", "participant-detail.json", "pipeline-health.json"] as const;
export type DashboardFile = (typeof DASHBOARD_FILES)[number];

export function buildDashboards(config: DashboardsConfig): Record<DashboardFile, Dashboard> {
  return {
    "adherence-overview.json": withPanelIds(buildAdherenceOverview(config)),
    "participant-detail.json": withPanelIds(buildParticipantDetail(config)),
    "pipeline-health.json": withPanelIds(buildPipelineHealth(config)),
  };
}

/**
 * Number panels 1..n in layout order. The SDK leaves ids unset; stable ids
 * keep `viewPanel=` links and panel-level permalinks valid across regenerations.
 */
export function withPanelIds(dashboard: Dashboard): Dashboard {
  const panels = (dashboard.panels ?? []).map((panel, i) => ({ ...panel, id: i + 1 }));
  return { ...dashboard, panels };
}

/** Stable JSON text: what generate.ts writes and the drift test compares. */
export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
