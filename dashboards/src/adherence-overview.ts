// Study adherence overview: study-level stats, the participant master table
// (each row links to the participant detail dashboard and the outreach form)
// and a participants x days completeness heatmap.
import { HeatmapCellLayout, TableCellDisplayMode } from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  MappingType,
  RowBuilder,
  SpecialValueMatch,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { HeatmapColorMode, HeatmapColorOptionsBuilder, PanelBuilder as HeatmapPanel, RowsHeatmapOptionsBuilder } from "@grafana/grafana-foundation-sdk/heatmap";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import * as units from "@grafana/grafana-foundation-sdk/units";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as q from "./adherence-queries.ts";
import {
  GENERATED_TAG,
  STUDY_TAG,
  colouredCell,
  higherIsBetter,
  linkProperty,
  lowerIsBetter,
  outreachUrlVariable,
  participantVariable,
  postgresDatasourceVariable,
  sqlTarget,
  thresholdVariables,
  type SqlQuery,
} from "./common.ts";
import type { DashboardsConfig } from "./config.ts";

export const ADHERENCE_OVERVIEW_SLUG = "adherence-overview";

export function dashboardUid(config: DashboardsConfig, slug: string): string {
  return `${config.uidPrefix}-${slug}`;
}

/** URL of the participant detail dashboard with the participant preset (Grafana data-link syntax). */
export function participantDetailLink(config: DashboardsConfig, participantExpr: string): string {
  const uid = dashboardUid(config, "participant-detail");
  return `/d/${uid}/participant-detail?var-participant=${participantExpr}&var-datasource=\${datasource}&\${__url_time_range}`;
}

/** The outreach service's participant-preset form: `<outreachBaseUrl>/contact?participant=<id>`. */
export function outreachContactLink(participantExpr: string): string {
  return `\${outreach_url}/contact?participant=${participantExpr}`;
}

function statPanel(title: string, query: SqlQuery, unit: string, description: string): StatPanel {
  return new StatPanel().title(title).description(description).withTarget(sqlTarget(query)).unit(unit).height(4).span(4);
}

export function studyStats(config: DashboardsConfig): StatPanel[] {
  const t = config.thresholds;
  return [
    statPanel("Participants", q.participantsStat, units.Short, "Participants in the selection."),
    statPanel("Median wear time", q.medianWearStat, units.Percent, "Median over participants of minutes with heart rate / minutes in the period.")
      .thresholds(higherIsBetter(t.wearPercent * 0.8, t.wearPercent)),
    statPanel("Meeting valid-day target", q.meetingTargetStat, units.Percent, "Share of participants with at least the target number of valid days (pro rata for the period).")
      .thresholds(higherIsBetter(50, 80)),
    statPanel("Sync overdue", q.syncOverdueStat, units.Short, "Participants whose last sync is older than the days-without-sync threshold.")
      .thresholds(lowerIsBetter(1, 5)),
    statPanel("Nights with sleep-data issues", q.sleepIssuesStat, units.Short, "Nights with no main sleep or classic (no stages) sleep.")
      .thresholds(lowerIsBetter(1, 10)),
    statPanel("Imputed heart-rate share", q.imputedShareStat, units.Percent, "Imputed minutes / (worn + imputed minutes). Imputed minutes never count toward wear.")
      .thresholds(lowerIsBetter(5, 20)),
  ];
}

export function participantTable(config: DashboardsConfig): TablePanel {
  const t = config.thresholds;
  const columns: [string, string][] = [
    ["participant_id", "Participant"], ["wear_percent", "Wear %"], ["valid_days", "Valid days"],
    ["target_valid_days", "Target"], ["days_since_sync", "Days since sync"], ["inactive_days", "Inactive days"],
    ["nights_no_main_sleep", "No main sleep"], ["nights_classic_sleep", "Classic sleep"],
    ["imputed_percent", "Imputed %"], ["flags", "Flags"], ["contact", "Contact"],
  ];
  const panel = new TablePanel()
    .title("Participant adherence")
    .description("One row per participant for the selected period. Click a participant for the detail dashboard, or Contact for the outreach form. Flags follow the threshold variables; cell colours follow the chart defaults.")
    .withTarget(sqlTarget(q.participantTable))
    .height(14)
    .span(24)
    .filterable(true);
  for (const [column, name] of columns) panel.overrideByName(column, [{ id: "displayName", value: name }]);
  panel
    .overrideByName("participant_id", [linkProperty("Participant detail", participantDetailLink(config, "${__value.raw:percentencode}"))])
    .overrideByName("wear_percent", [{ id: "unit", value: units.Percent }, ...colouredCell(higherIsBetter(t.wearPercent * 0.8, t.wearPercent))])
    .overrideByName("imputed_percent", [{ id: "unit", value: units.Percent }, ...colouredCell(lowerIsBetter(5, 20))])
    .overrideByName("days_since_sync", [{ id: "unit", value: units.Short }, ...colouredCell(lowerIsBetter(t.daysWithoutSync, t.daysWithoutSync * 2))])
    .overrideByName("inactive_days", colouredCell(lowerIsBetter(1, 3)))
    .overrideByName("nights_no_main_sleep", colouredCell(lowerIsBetter(1, 3)))
    .overrideByName("nights_classic_sleep", colouredCell(lowerIsBetter(1, 3)))
    .overrideByName("flags", [
      { id: "custom.cellOptions", value: { type: TableCellDisplayMode.ColorText } },
      {
        id: "mappings",
        value: [
          // No flag is an empty string; Grafana matches it with the "empty" special value.
          { type: MappingType.SpecialValue, options: { match: SpecialValueMatch.Empty, result: { text: "ok", color: "green", index: 0 } } },
          { type: MappingType.RegexToText, options: { pattern: ".+", result: { color: "red", index: 1 } } },
        ],
      },
    ])
    .overrideByName("contact", [
      linkProperty("Contact participant (outreach form)", outreachContactLink("${__data.fields.participant_id:percentencode}"), true),
      { id: "mappings", value: [{ type: MappingType.ValueToText, options: { contact: { text: "Contact…", index: 0 } } }] },
    ]);
  return panel;
}

export function completenessHeatmap(): HeatmapPanel {
  return new HeatmapPanel()
    .title("Completeness: wear % per participant and day")
    .description("Minutes with heart rate / 1,440 per participant-local day; blank = no data at all.")
    .withTarget(sqlTarget(q.completenessHeatmap))
    .calculate(false)
    .rowsFrame(new RowsHeatmapOptionsBuilder().layout(HeatmapCellLayout.Unknown).value("Wear %"))
    .color(new HeatmapColorOptionsBuilder().mode(HeatmapColorMode.Scheme).scheme("RdYlGn").min(0).max(100))
    .unit(units.Percent)
    .height(12)
    .span(24);
}

export function buildAdherenceOverview(config: DashboardsConfig): Dashboard {
  const builder = new DashboardBuilder("Study adherence overview")
    .uid(dashboardUid(config, ADHERENCE_OVERVIEW_SLUG))
    .tags([STUDY_TAG, GENERATED_TAG])
    .description("Generated by dashboards/src (node dashboards/src/generate.ts); do not edit in Grafana.")
    .editable()
    .timezone("utc")
    .time({ from: "now-7d/d", to: "now-1d/d" })
    .refresh("")
    .tooltip(DashboardCursorSync.Crosshair)
    .variables([postgresDatasourceVariable(), participantVariable(true), ...thresholdVariables(config.thresholds), outreachUrlVariable(config.outreachBaseUrl)])
    .link(new DashboardLinkBuilder("Wearable pipeline").type(DashboardLinkType.Dashboards).tags([STUDY_TAG]).asDropdown(true).includeVars(false).keepTime(true));
  builder.withRow(new RowBuilder("Study"));
  for (const stat of studyStats(config)) builder.withPanel(stat);
  builder.withRow(new RowBuilder("Participants")).withPanel(participantTable(config));
  builder.withRow(new RowBuilder("Completeness")).withPanel(completenessHeatmap());
  return builder.build();
}
