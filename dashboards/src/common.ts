// Defaults and query helpers shared by every dashboard: datasource refs,
// the SQL/PromQL target builders, the threshold and datasource variables,
// and the catalogue type that ties each SQL query to the columns its panel
// reads (the query-correctness tests check both).
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";
import {
  ConstantVariableBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type DynamicConfigValue,
  type VariableModel,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder as PromQueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import type { Thresholds } from "./config.ts";

export const POSTGRES_TYPE = "grafana-postgresql-datasource";
export const POSTGRES: DataSourceRef = { type: POSTGRES_TYPE, uid: "${datasource}" };
export const PROMETHEUS: DataSourceRef = { type: "prometheus", uid: "${prometheus}" };
export const GENERATED_TAG = "generated";
export const STUDY_TAG = "wearable-pipeline";
/** Grafana has no heart-rate unit; a custom suffix unit is its documented escape hatch. */
export const BEATS_PER_MINUTE = "suffix: bpm";

/** A panel's SQL and the columns the panel reads from its result. */
export interface SqlQuery {
  sql: string;
  format: "table" | "time_series";
  columns: readonly string[];
}

/** The Grafana PostgreSQL datasource query model (the SDK ships none for it). */
export interface SqlDataquery extends cog.Dataquery {
  refId: string;
  datasource: DataSourceRef;
  editorMode: "code";
  format: "table" | "time_series";
  rawQuery: true;
  rawSql: string;
}

export class SqlQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly query: SqlQuery;
  private readonly ref: string;
  constructor(query: SqlQuery, refId = "A") {
    this.query = query;
    this.ref = refId;
  }
  build(): SqlDataquery {
    return {
      refId: this.ref,
      datasource: POSTGRES,
      editorMode: "code",
      format: this.query.format,
      rawQuery: true,
      rawSql: this.query.sql,
      _implementsDataqueryVariant: () => {},
    };
  }
}

export function sqlTarget(query: SqlQuery, refId = "A"): SqlQueryBuilder {
  return new SqlQueryBuilder(query, refId);
}

export function promTarget(expr: string, legend: string, refId = "A"): PromQueryBuilder {
  return new PromQueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legend).range().refId(refId);
}

/**
 * Trim the common indentation of a template literal's own text (not of the
 * interpolated values) so the generated JSON stays readable.
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): string {
  const marker = "\u0000";
  const text = strings.join(marker);
  const lines = text.replace(/^\n/, "").replace(/\s+$/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  const dedented = lines.map((l) => l.slice(indent)).join("\n");
  let i = 0;
  return dedented.split(marker).reduce((acc, part, j) => acc + (j > 0 ? String(values[i++]) : "") + part, "");
}

export function postgresDatasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder("datasource").label("Study database").type(POSTGRES_TYPE);
}

export function prometheusDatasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder("prometheus").label("Prometheus").type("prometheus");
}

/** Names of the threshold variables; SQL reads them as `${name:sqlstring}::numeric`. */
export const THRESHOLD_VARIABLES = {
  validDayMinutes: "valid_day_minutes",
  wearPercent: "wear_percent",
  inactiveStepsPerDay: "inactive_steps",
  daysWithoutSync: "days_without_sync",
  targetValidDaysPerWeek: "target_valid_days",
} as const satisfies Record<keyof Thresholds, string>;

const THRESHOLD_LABELS: Record<keyof Thresholds, string> = {
  validDayMinutes: "Valid day (min HR minutes)",
  wearPercent: "Wear % threshold",
  inactiveStepsPerDay: "Inactive below steps/day",
  daysWithoutSync: "Days without sync",
  targetValidDaysPerWeek: "Target valid days / week",
};

/** A threshold as SQL: quoted by Grafana (sqlstring) and cast, so a typo fails loudly instead of injecting SQL. */
export function thresholdSql(key: keyof Thresholds): string {
  return `\${${THRESHOLD_VARIABLES[key]}:sqlstring}::numeric`;
}

export function thresholdVariables(thresholds: Thresholds): cog.Builder<VariableModel>[] {
  return (Object.keys(THRESHOLD_VARIABLES) as (keyof Thresholds)[]).map((key) => {
    const value = String(thresholds[key]);
    return new TextBoxVariableBuilder(THRESHOLD_VARIABLES[key])
      .label(THRESHOLD_LABELS[key])
      .description("Default from charts/wearable-pipeline/values.yaml thresholds")
      .defaultValue(value)
      .current({ text: value, value });
  });
}

/** The participant picker, fed from the participants table. */
export function participantVariable(multi: boolean): QueryVariableBuilder {
  const query = "SELECT participant_id FROM participants ORDER BY participant_id";
  const builder = new QueryVariableBuilder("participant")
    .label("Participant")
    .datasource(POSTGRES)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(multi)
    .includeAll(multi);
  return multi ? builder.current({ text: "All", value: "$__all" }) : builder;
}

export function constantVariable(name: string, value: string, description: string): ConstantVariableBuilder {
  return new ConstantVariableBuilder(name).value(value).description(description);
}

export function outreachUrlVariable(defaultUrl: string): TextBoxVariableBuilder {
  return new TextBoxVariableBuilder("outreach_url")
    .label("Outreach service URL")
    .description("Browser-reachable base URL of `wearable outreach`")
    .defaultValue(defaultUrl)
    .current({ text: defaultUrl, value: defaultUrl });
}

/** Green at and above `good`, amber between `warn` and `good`, red below `warn`. */
export function higherIsBetter(warn: number, good: number): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: "red" },
    { value: warn, color: "orange" },
    { value: good, color: "green" },
  ]);
}

/** Green below `warn`, amber from `warn`, red from `bad`. */
export function lowerIsBetter(warn: number, bad: number): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value: warn, color: "orange" },
    { value: bad, color: "red" },
  ]);
}

/** Field override properties: colour the cell background by thresholds. */
export function colouredCell(thresholds: ThresholdsConfigBuilder): DynamicConfigValue[] {
  return [
    { id: "custom.cellOptions", value: { type: "color-background", mode: "basic" } },
    { id: "thresholds", value: thresholds.build() },
  ];
}

export function linkProperty(title: string, url: string, targetBlank = false): DynamicConfigValue {
  return { id: "links", value: [{ title, url, targetBlank }] };
}
