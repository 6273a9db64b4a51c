// Pipeline health: job runs/failures and per-participant lag (database and
// operator metrics), operator reconcile/queue metrics, job durations, and
// pipeline pod CPU/memory plus database size (kube-prometheus-stack).
import { DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, QueryVariableBuilder, RowBuilder, VariableRefresh } from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { GraphDrawStyle } from "@grafana/grafana-foundation-sdk/common";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { dashboardUid, participantDetailLink } from "./adherence-overview.ts";
import { GENERATED_TAG, PROMETHEUS, STUDY_TAG, linkProperty, lowerIsBetter, postgresDatasourceVariable, prometheusDatasourceVariable, promTarget, sqlTarget } from "./common.ts";
import type { DashboardsConfig } from "./config.ts";
import { PROMQL, PROM_VARIABLES, PIPELINE_SQL_QUERIES as s } from "./pipeline-queries.ts";

export const PIPELINE_HEALTH_SLUG = "pipeline-health";

function promPanel(title: string, unit: string, targets: [string, string][]): TimeseriesPanel {
  const panel = new TimeseriesPanel().title(title).unit(unit).height(8).span(8);
  targets.forEach(([expr, legend], i) => panel.withTarget(promTarget(expr, legend, String.fromCharCode(65 + i))));
  return panel;
}

function promVariable(name: string, label: string, query: string, allValue: string, defaultValue: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name).label(label).datasource(PROMETHEUS).query(query).definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged).multi(true).includeAll(true).allValue(allValue)
    .current({ text: defaultValue === ".*" ? "All" : defaultValue, value: defaultValue === ".*" ? "$__all" : defaultValue });
}

export function jobPanels(config: DashboardsConfig): (TimeseriesPanel | TablePanel)[] {
  return [
    new TimeseriesPanel().title("Runs by kind and status (database)").withTarget(sqlTarget(s.runsOverTime)).interval("1h")
      .drawStyle(GraphDrawStyle.Bars).fillOpacity(70).unit(units.Short).height(8).span(8),
    promPanel("Job runs (operator)", units.Short, [[PROMQL.jobRuns, "{{kind}} {{result}}"]]),
    promPanel("Consecutive ingest failures", units.Short, [[PROMQL.ingestFailuresStreak, "{{participant}}"]]),
    new TablePanel().title("Ingest lag per participant").description("Hours since the newest ingested sample, and the last ingest run.")
      .withTarget(sqlTarget(s.ingestLag)).height(8).span(8)
      .overrideByName("participant_id", [linkProperty("Participant detail", participantDetailLink(config, "${__value.raw:percentencode}"))])
      .overrideByName("lag_hours", [{ id: "unit", value: units.Hours }, { id: "custom.cellOptions", value: { type: "color-background", mode: "basic" } },
        { id: "thresholds", value: lowerIsBetter(24, config.thresholds.daysWithoutSync * 24).build() }]),
    promPanel("Time since last successful ingest", units.Seconds, [[PROMQL.secondsSinceIngest, "{{participant}}"]]),
    new TablePanel().title("Recent failed runs").withTarget(sqlTarget(s.failedRuns)).height(8).span(8),
  ];
}

export function operatorPanels(): TimeseriesPanel[] {
  return [
    promPanel("Reconcile rate", units.RequestsPerSecond, [[PROMQL.reconcileRate, "{{controller}} {{result}}"]]),
    promPanel("Reconcile errors", units.RequestsPerSecond, [[PROMQL.reconcileErrors, "{{controller}}"]]),
    promPanel("Reconcile time p95", units.Seconds, [[PROMQL.reconcileP95, "{{controller}}"]]),
    promPanel("Work queue depth", units.Short, [[PROMQL.queueDepth, "{{name}}"], [PROMQL.leader, "leader {{name}}"]]),
    promPanel("Work queue retries and latency", units.Short, [[PROMQL.queueRetries, "retries/s {{name}}"], [PROMQL.queueLatencyP95, "p95 wait s {{name}}"]]),
    promPanel("Participants by condition", units.Short, [[PROMQL.participantsByCondition, "{{condition}}={{status}}"], [PROMQL.failedImputationRuns, "failed ImputationRuns"]]),
  ];
}

export function durationPanels(): TimeseriesPanel[] {
  return [
    promPanel("Job duration (operator histogram)", units.Seconds, [[PROMQL.jobDurationP50, "p50 {{kind}}"], [PROMQL.jobDurationP95, "p95 {{kind}}"]]),
    new TimeseriesPanel().title("Job duration p95 (database)").withTarget(sqlTarget(s.jobDurations)).interval("1h").unit(units.Seconds).height(8).span(8),
    promPanel("Wear ratio, 7 days (operator)", units.PercentUnit, [[PROMQL.wearRatio, "{{participant}}"]]),
  ];
}

export function resourcePanels(): (TimeseriesPanel | StatPanel)[] {
  return [
    promPanel("Pipeline pod CPU (cores)", units.Short, [[PROMQL.containerCpu, "{{pod}}"]]),
    promPanel("Pipeline pod memory (working set)", units.BytesIEC, [[PROMQL.containerMemory, "{{pod}}"]]),
    promPanel("Database size (postgres exporter)", units.BytesIEC, [[PROMQL.databaseSize, "{{datname}}"]]),
    new StatPanel().title("Database size now (SQL)").withTarget(sqlTarget(s.databaseSize)).unit(units.BytesIEC).height(4).span(8),
    promPanel("Outreach messages and errors", units.Short, [[PROMQL.outreachSent, "{{status}}"], [PROMQL.outreachErrors, "5xx {{code}}"]]),
  ];
}

export function buildPipelineHealth(config: DashboardsConfig): Dashboard {
  const builder = new DashboardBuilder("Pipeline health")
    .uid(dashboardUid(config, PIPELINE_HEALTH_SLUG))
    .tags([STUDY_TAG, GENERATED_TAG])
    .description("Generated by dashboards/src (node dashboards/src/generate.ts); do not edit in Grafana.")
    .editable()
    .time({ from: "now-24h", to: "now" })
    .refresh("1m")
    .tooltip(DashboardCursorSync.Crosshair)
    .variables([
      postgresDatasourceVariable(),
      prometheusDatasourceVariable(),
      promVariable("namespace", "Namespace", PROM_VARIABLES.namespace.query, ".*", config.namespaceDefault),
      promVariable("database", "Database", PROM_VARIABLES.database.query, ".*", ".*"),
    ])
    .link(new DashboardLinkBuilder("Wearable pipeline").type(DashboardLinkType.Dashboards).tags([STUDY_TAG]).asDropdown(true).keepTime(true));
  builder.withRow(new RowBuilder("Ingest and impute jobs"));
  for (const p of jobPanels(config)) builder.withPanel(p);
  builder.withRow(new RowBuilder("Operator"));
  for (const p of operatorPanels()) builder.withPanel(p);
  builder.withRow(new RowBuilder("Job durations"));
  for (const p of durationPanels()) builder.withPanel(p);
  builder.withRow(new RowBuilder("Resources"));
  for (const p of resourcePanels()) builder.withPanel(p);
  return builder.build();
}
