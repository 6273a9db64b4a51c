// Every PromQL expression in the dashboards parses (promtool, Prometheus's
// own parser, via a rules file of recording rules) and names only metrics
// the operator/outreach export or kube-prometheus-stack provides.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { loadConfig } from "./config.ts";
import { DASHBOARD_FILES, buildDashboards } from "./index.ts";
import { panelTargets } from "./panel-queries.ts";
import { PROM_VARIABLES } from "./pipeline-queries.ts";
import { ALLOWED_METRICS, expandPromVariables, metricNames } from "./promql-metrics.ts";

const run = promisify(execFile);
const dashboards = buildDashboards(await loadConfig());
const promTargets = DASHBOARD_FILES.flatMap((f) => panelTargets(dashboards[f]).filter((t) => t.kind === "promql"));
const VARS = { namespace: "wearable|default", database: "wearable" };

async function promtoolCheck(exprs: string[]): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), "promql-"));
  try {
    const rules = { groups: [{ name: "dashboards", rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    const file = join(dir, "rules.yaml");
    await writeFile(file, stringify(rules));
    const res = await run("promtool", ["check", "rules", file]).then((r) => ({ ok: true, output: r.stdout + r.stderr }), (e: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` }));
    return res;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void describe("PromQL panels", () => {
  void it("there are PromQL panels and none is empty", () => {
    assert.ok(promTargets.length >= 15, `found ${promTargets.length}`);
    for (const t of promTargets) assert.ok(t.text.trim(), `${t.panelTitle} ${t.refId} is empty`);
  });

  void it("every expression parses with promtool", async () => {
    const exprs = promTargets.map((t) => expandPromVariables(t.text, VARS));
    const res = await promtoolCheck(exprs);
    assert.ok(res.ok, res.output);
    assert.match(res.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  });

  void it("promtool really rejects a broken expression (the check is not vacuous)", async () => {
    const res = await promtoolCheck(["sum by (pod (rate(container_cpu_usage_seconds_total[5m]))"]);
    assert.equal(res.ok, false);
  });

  void it("names only allowed metrics", () => {
    for (const t of promTargets) {
      const names = metricNames(expandPromVariables(t.text, VARS));
      assert.ok(names.length > 0, `${t.panelTitle}: no metric found in ${t.text}`);
      for (const n of names) assert.ok(ALLOWED_METRICS.has(n), `${t.panelTitle}: ${n} is neither an operator nor a kube-prometheus-stack metric`);
    }
    for (const v of Object.values(PROM_VARIABLES)) {
      assert.ok(ALLOWED_METRICS.has(v.metric));
      assert.ok(v.query.includes(v.metric));
    }
  });

  void it("metric-name extraction ignores functions, labels, keywords and strings", () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.95, sum by (le, kind) (rate(wearable_job_duration_seconds_bucket{kind="ingest", le!="x"}[5m])))'),
      ["wearable_job_duration_seconds_bucket"],
    );
    assert.deepEqual(metricNames("a_total / on (pod) group_left (node) b_info * 2 > bool 1 offset 5m").sort(), ["a_total", "b_info"]);
    assert.deepEqual(metricNames('{__name__="up", job="x"}'), ["up"]);
    assert.deepEqual(metricNames('label_replace(up, "dst", "$1", "src", "(.*)")'), ["up"]);
    assert.throws(() => expandPromVariables("rate(x[$nope])"), /unknown variable \$nope/);
  });
});
