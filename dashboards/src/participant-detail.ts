// Participant detail: heart rate raw vs imputed (with the imputation
// interval as a band), steps, sleep stages, SpO2/HRV, daily wear and
// valid-day bars, and the participant's pipeline runs.
import { GraphDrawStyle, VisibilityMode } from "@grafana/grafana-foundation-sdk/common";
import { DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, MappingType, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StateTimelinePanel } from "@grafana/grafana-foundation-sdk/statetimeline";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { dashboardUid, outreachContactLink } from "./adherence-overview.ts";
import { BEATS_PER_MINUTE, GENERATED_TAG, STUDY_TAG, outreachUrlVariable, participantVariable, postgresDatasourceVariable, sqlTarget, thresholdVariables } from "./common.ts";
import type { DashboardsConfig } from "./config.ts";
import * as q from "./participant-queries.ts";

export const PARTICIPANT_DETAIL_SLUG = "participant-detail";

export function heartRatePanel(): TimeseriesPanel {
  return new TimeseriesPanel()
    .title("Heart rate: raw and imputed")
    .description("Raw samples (minute means, or the hourly rollup for long ranges) with imputed minutes overlaid; the band is the imputation interval. Imputed minutes never count toward wear.")
    .withTarget(sqlTarget(q.heartRateRaw, "A"))
    .withTarget(sqlTarget(q.heartRateImputed, "B"))
    .unit(BEATS_PER_MINUTE)
    .spanNulls(false)
    .height(10)
    .span(24)
    .overrideByName("imputed", [{ id: "color", value: { mode: "fixed", fixedColor: "orange" } }, { id: "custom.lineStyle", value: { fill: "dash", dash: [6, 4] } }])
    .overrideByName("imputed_upper", [
      { id: "custom.fillBelowTo", value: "imputed_lower" },
      { id: "custom.lineWidth", value: 0 },
      { id: "custom.fillOpacity", value: 25 },
      { id: "color", value: { mode: "fixed", fixedColor: "orange" } },
    ])
    .overrideByName("imputed_lower", [
      { id: "custom.lineWidth", value: 0 },
      { id: "custom.hideFrom", value: { legend: true, tooltip: false, viz: false } },
      { id: "color", value: { mode: "fixed", fixedColor: "orange" } },
    ]);
}

export function stepsPanel(): TimeseriesPanel {
  return new TimeseriesPanel().title("Steps per hour").withTarget(sqlTarget(q.steps)).interval("1h")
    .drawStyle(GraphDrawStyle.Bars).fillOpacity(80).unit(units.Short).height(8).span(12);
}

export function sleepStagesPanel(): StateTimelinePanel {
  const colours: Record<string, string> = { AWAKE: "red", REM: "light-blue", LIGHT: "blue", DEEP: "dark-blue", ASLEEP: "blue", RESTLESS: "orange" };
  const options = Object.fromEntries(Object.entries(colours).map(([stage, color], index) => [stage, { color, index }]));
  return new StateTimelinePanel().title("Sleep stages").description("CLASSIC sessions show ASLEEP/RESTLESS/AWAKE only: heart rate was insufficient for stages that night.")
    .withTarget(sqlTarget(q.sleepStages)).mappings([{ type: MappingType.ValueToText, options }])
    .showValue(VisibilityMode.Never).mergeValues(true).height(8).span(12);
}

export function sleepSessionsPanel(): TablePanel {
  return new TablePanel().title("Sleep sessions").withTarget(sqlTarget(q.sleepSessions)).height(8).span(12)
    .overrideByName("minutes_asleep", [{ id: "unit", value: units.Minutes }]);
}

function nightlyPanel(title: string, query: typeof q.spo2, unit: string): TimeseriesPanel {
  return new TimeseriesPanel().title(title).description("Recorded during the main sleep only; gaps are a sleep-data quality signal.")
    .withTarget(sqlTarget(query)).unit(unit).showPoints(VisibilityMode.Auto).height(8).span(6);
}

export function dailyWearPanel(config: DashboardsConfig): TimeseriesPanel {
  return new TimeseriesPanel().title("Daily wear and valid days")
    .description(`Minutes with heart rate per participant-local day; valid day = at least $valid_day_minutes minutes (default ${config.thresholds.validDayMinutes}).`)
    .withTarget(sqlTarget(q.dailyWear)).drawStyle(GraphDrawStyle.Bars).fillOpacity(70).unit(units.Minutes)
    .height(8).span(12)
    .overrideByName("valid_day", [
      { id: "unit", value: units.Short }, { id: "custom.axisPlacement", value: "right" }, { id: "max", value: 1 },
      { id: "custom.drawStyle", value: "points" }, { id: "custom.pointSize", value: 8 },
      { id: "color", value: { mode: "fixed", fixedColor: "green" } },
    ]);
}

export function pipelineRunsPanel(): TablePanel {
  return new TablePanel().title("Pipeline runs").withTarget(sqlTarget(q.pipelineRuns)).height(8).span(12)
    .overrideByName("duration_seconds", [{ id: "unit", value: units.Seconds }])
    .overrideByName("status", [{
      id: "mappings",
      value: [{ type: MappingType.ValueToText, options: { succeeded: { color: "green", index: 0 }, failed: { color: "red", index: 1 }, running: { color: "blue", index: 2 } } }],
    }, { id: "custom.cellOptions", value: { type: "color-text" } }]);
}

export function buildParticipantDetail(config: DashboardsConfig): Dashboard {
  return new DashboardBuilder("Participant detail")
    .uid(dashboardUid(config, PARTICIPANT_DETAIL_SLUG))
    .tags([STUDY_TAG, GENERATED_TAG])
    .description("Generated by dashboards/src (node dashboards/src/generate.ts); do not edit in Grafana.")
    .editable()
    .time({ from: "now-7d", to: "now" })
    .tooltip(DashboardCursorSync.Crosshair)
    .variables([postgresDatasourceVariable(), participantVariable(false), ...thresholdVariables(config.thresholds), outreachUrlVariable(config.outreachBaseUrl)])
    .link(new DashboardLinkBuilder("Contact this participant").type(DashboardLinkType.Link).url(outreachContactLink("${participant:percentencode}")).targetBlank(true).icon("envelope"))
    .link(new DashboardLinkBuilder("Wearable pipeline").type(DashboardLinkType.Dashboards).tags([STUDY_TAG]).asDropdown(true).keepTime(true))
    .withRow(new RowBuilder("Heart rate"))
    .withPanel(heartRatePanel())
    .withRow(new RowBuilder("Activity and sleep"))
    .withPanel(stepsPanel())
    .withPanel(sleepStagesPanel())
    .withPanel(sleepSessionsPanel())
    .withPanel(nightlyPanel("SpO2", q.spo2, units.Percent))
    .withPanel(nightlyPanel("HRV (RMSSD)", q.hrv, units.Milliseconds))
    .withRow(new RowBuilder("Adherence and pipeline"))
    .withPanel(dailyWearPanel(config))
    .withPanel(pipelineRunsPanel())
    .build();
}
