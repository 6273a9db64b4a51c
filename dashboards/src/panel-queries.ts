// Walks generated dashboards and lists every panel target, so tests and the
// benchmark run exactly the queries that ship (not a copy of them).
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { POSTGRES_TYPE, type SqlQuery } from "./common.ts";
import { ADHERENCE_QUERIES } from "./adherence-queries.ts";
import { PARTICIPANT_QUERIES } from "./participant-queries.ts";
import { PIPELINE_SQL_QUERIES } from "./pipeline-queries.ts";

export interface PanelTarget {
  dashboardUid: string;
  panelId: number;
  panelTitle: string;
  panelType: string;
  refId: string;
  kind: "sql" | "promql" | "unknown";
  /** rawSql or expr; "" when the target has neither. */
  text: string;
  format?: string;
  /** Panel-level minimum interval (Grafana's `interval`), e.g. "1h". */
  minInterval?: string;
}

interface LooseTarget {
  refId?: string;
  datasource?: { type?: string };
  rawSql?: string;
  expr?: string;
  format?: string;
}

interface LoosePanel {
  id?: number;
  type?: string;
  title?: string;
  interval?: string;
  targets?: LooseTarget[];
  panels?: LoosePanel[];
}

/** Every non-row panel (rows' nested panels included). */
export function panelsOf(dashboard: Dashboard): LoosePanel[] {
  const out: LoosePanel[] = [];
  const visit = (panels: LoosePanel[]): void => {
    for (const p of panels) {
      if (p.type === "row") visit(p.panels ?? []);
      else out.push(p);
    }
  };
  visit((dashboard.panels ?? []) as LoosePanel[]);
  return out;
}

export function panelTargets(dashboard: Dashboard): PanelTarget[] {
  return panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? [{}]).map((t): PanelTarget => {
      const kind = t.datasource?.type === POSTGRES_TYPE ? "sql" : t.datasource?.type === "prometheus" ? "promql" : "unknown";
      return {
        dashboardUid: dashboard.uid ?? "",
        panelId: panel.id ?? -1,
        panelTitle: panel.title ?? "",
        panelType: panel.type ?? "",
        refId: t.refId ?? "",
        kind,
        text: (kind === "sql" ? t.rawSql : t.expr) ?? "",
        ...(t.format ? { format: t.format } : {}),
        ...(panel.interval ? { minInterval: panel.interval } : {}),
      };
    }),
  );
}

/** Every SQL query in the catalogue, by name. */
export const SQL_CATALOGUE: Record<string, SqlQuery> = {
  ...prefixed("adherence", ADHERENCE_QUERIES),
  ...prefixed("participant", PARTICIPANT_QUERIES),
  ...prefixed("pipeline", PIPELINE_SQL_QUERIES),
};

function prefixed(prefix: string, queries: Record<string, SqlQuery>): Record<string, SqlQuery> {
  return Object.fromEntries(Object.entries(queries).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** The catalogue entry a target's SQL came from, or undefined for SQL written elsewhere. */
export function catalogueEntry(rawSql: string): [string, SqlQuery] | undefined {
  return Object.entries(SQL_CATALOGUE).find(([, q]) => q.sql === rawSql);
}
