// Generated JSON is committed and current; every dashboard carries the
// conventions (uid, tag, datasource variable, threshold defaults from the
// chart) and every panel has a non-empty query that is in the catalogue and
// uses only variables its dashboard defines.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { parse } from "yaml";
import * as units from "@grafana/grafana-foundation-sdk/units";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { DEFAULT_OUTREACH_BASE_URL, VALUES_PATH, loadConfig, outreachUrlFromValues, thresholdsFromValues } from "./config.ts";
import { expandGrafanaSql, type TemplateVariable } from "./grafana-sql-macros.ts";
import { staleFiles } from "./generate.ts";
import { DASHBOARD_FILES, buildDashboards } from "./index.ts";
import { catalogueEntry, panelTargets, panelsOf } from "./panel-queries.ts";

const config = await loadConfig();
const dashboards = buildDashboards(config);
const chartThresholds = (parse(await readFile(VALUES_PATH, "utf8")) as { thresholds: Record<string, number> }).thresholds;

interface Variable { name: string; type: string; query?: unknown; current?: { value?: unknown } }
const variablesOf = (d: Dashboard): Variable[] => (d.templating?.list ?? []) as Variable[];

/** Values a researcher could select, for the strict expander. */
function sampleVariables(d: Dashboard): Record<string, TemplateVariable> {
  const out: Record<string, TemplateVariable> = {};
  for (const v of variablesOf(d)) {
    if (v.name === "participant") out[v.name] = { value: ["p-001", "p-002"], multi: true };
    else out[v.name] = { value: String(v.current?.value ?? v.query ?? "x") };
  }
  return out;
}

void describe("generated dashboards", () => {
  void it("committed JSON matches the generator (run `node dashboards/src/generate.ts`)", async () => {
    assert.deepEqual(await staleFiles(), []);
  });

  void it("each has a stable uid, the generated tag, a postgres datasource variable and unique panel ids", () => {
    const uids = new Set<string>();
    for (const file of DASHBOARD_FILES) {
      const d = dashboards[file];
      assert.equal(d.uid, `wearable-${file.replace(/\.json$/, "")}`);
      uids.add(d.uid);
      assert.ok(d.tags?.includes("generated"), `${file} lacks the generated tag`);
      const ds = variablesOf(d).find((v) => v.name === "datasource");
      assert.equal(ds?.type, "datasource");
      assert.equal(ds?.query, "grafana-postgresql-datasource");
      const ids = (d.panels ?? []).map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `${file} has duplicate panel ids`);
    }
    assert.equal(uids.size, DASHBOARD_FILES.length);
  });

  void it("threshold variables default to the chart's values.yaml thresholds", () => {
    const expected: Record<string, number | undefined> = {
      valid_day_minutes: chartThresholds.validDayMinutes, wear_percent: chartThresholds.wearPercent,
      inactive_steps: chartThresholds.inactiveStepsPerDay, days_without_sync: chartThresholds.daysWithoutSync,
      target_valid_days: chartThresholds.targetValidDaysPerWeek,
    };
    for (const file of ["adherence-overview.json", "participant-detail.json"] as const) {
      const vars = variablesOf(dashboards[file]);
      for (const [name, value] of Object.entries(expected)) {
        const v = vars.find((x) => x.name === name);
        assert.ok(v, `${file} lacks variable ${name}`);
        assert.equal(v.query, String(value));
        assert.equal(v.current?.value, String(value));
      }
    }
  });

  void it("every panel has a non-empty query from the catalogue that expands with its dashboard's variables", () => {
    let sqlCount = 0;
    for (const file of DASHBOARD_FILES) {
      const d = dashboards[file];
      for (const t of panelTargets(d)) {
        const where = `${file} panel "${t.panelTitle}" ${t.refId}`;
        assert.notEqual(t.kind, "unknown", `${where}: no datasource`);
        assert.ok(t.text.trim().length > 0, `${where}: empty query`);
        if (t.kind !== "sql") continue;
        sqlCount++;
        const entry = catalogueEntry(t.text);
        assert.ok(entry, `${where}: SQL not in the catalogue (query tests would skip it)`);
        assert.equal(t.format, entry[1].format, `${where}: format`);
        const sql = expandGrafanaSql(t.text, { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2026-01-07T23:59:59.999Z"), intervalMs: 60_000, variables: sampleVariables(d) });
        assert.doesNotMatch(sql, /\$\w|\$\{/, `${where}: unexpanded variable left`);
      }
    }
    assert.ok(sqlCount >= 20, `expected at least 20 SQL targets, found ${sqlCount}`);
  });

  void it("uses SDK units (or Grafana's custom suffix unit)", () => {
    const known = new Set<string>(Object.values(units as Record<string, unknown>).filter((v): v is string => typeof v === "string"));
    for (const file of DASHBOARD_FILES) {
      const found = JSON.stringify(dashboards[file]).matchAll(/"unit","value":"([^"]+)"|"unit":"([^"]+)"/g);
      for (const m of found) {
        const unit = m[1] ?? m[2] ?? "";
        assert.ok(known.has(unit) || unit.startsWith("suffix:"), `${file}: unit ${unit} is not an SDK unit`);
      }
    }
  });

  void it("participant rows link to the participant detail (preset) and the outreach form (preset)", () => {
    const table = panelsOf(dashboards["adherence-overview.json"]).find((p) => p.type === "table") as unknown as {
      fieldConfig: { overrides: { matcher: { options: string }; properties: { id: string; value: unknown }[] }[] };
    };
    const links = (column: string): { url: string }[] =>
      (table.fieldConfig.overrides.filter((o) => o.matcher.options === column).flatMap((o) => o.properties).find((p) => p.id === "links")?.value ?? []) as { url: string }[];
    const detail = links("participant_id")[0]?.url ?? "";
    assert.match(detail, /^\/d\/wearable-participant-detail\/participant-detail\?var-participant=\$\{__value\.raw:percentencode\}/);
    assert.match(detail, /\$\{__url_time_range\}/);
    assert.equal(links("contact")[0]?.url, "${outreach_url}/contact?participant=${__data.fields.participant_id:percentencode}");
    const outreach = variablesOf(dashboards["adherence-overview.json"]).find((v) => v.name === "outreach_url");
    assert.equal(outreach?.query, config.outreachBaseUrl);
    const detailVars = variablesOf(dashboards["participant-detail.json"]).find((v) => v.name === "participant");
    assert.ok(detailVars, "participant detail needs the participant variable the link presets");
  });

  void it("rejects bad chart values with the field name and a fix", () => {
    assert.throws(() => thresholdsFromValues("thresholds:\n  validDayMinutes: lots\n"), /invalid thresholds\.validDayMinutes: .*set it to a number/);
    assert.throws(() => thresholdsFromValues("other: 1\n"), /invalid thresholds/);
    assert.throws(() => thresholdsFromValues("thresholds: {validDayMinutes: 2000, wearPercent: 70, inactiveStepsPerDay: 1000, daysWithoutSync: 3, targetValidDaysPerWeek: 5}"), /validDayMinutes/);
    assert.throws(() => outreachUrlFromValues("outreach:\n  publicUrl: not a url\n"), /invalid outreach\.publicUrl/);
    assert.equal(outreachUrlFromValues("outreach: {}\n"), DEFAULT_OUTREACH_BASE_URL);
    assert.equal(outreachUrlFromValues("outreach:\n  publicUrl: https://outreach.example.org\n"), "https://outreach.example.org");
  });
});
