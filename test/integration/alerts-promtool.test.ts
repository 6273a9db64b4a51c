// promtool on the rules the chart renders: `check rules`, then `test rules`
// with a firing case and a silent case for EVERY alert. The cases are data;
// expected annotations are the rule's own text with the case's labels and a
// hand-computed, formatted $value filled in, so a description that stops
// naming its participant or object fails here.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { alertNames } from "../../charts/alerts/render-template.ts";
import { tempDir } from "../harness/processes.ts";
import { render, ruleGroups, type Rule } from "./chart-helm.ts";

const run = promisify(execFile);
const OPJ = "wp-wearable-pipeline-operator";
const DBJ = "wp-wearable-pipeline-timescaledb";
const LEADER = `leader_election_master_status{job="${OPJ}",instance="op-0:8080",name="wearable-operator"}`;
const FOLLOWER = `leader_election_master_status{job="${OPJ}",instance="op-1:8080",name="wearable-operator"}`;
const op = (metric: string, labels: string, leader = true) => `${metric}{job="${OPJ}",instance="op-${leader ? 0 : 1}:8080",${labels}}`;
const leaderSeries = [{ series: LEADER, values: "1x600" }, { series: FOLLOWER, values: "0x600" }];

interface Firing {
  labels: Record<string, string>;
  /** $value as the template formats it (humanizeDuration etc. applied). */
  value: string;
}
interface AlertCase {
  alert: string;
  kind: "fire" | "silent";
  interval?: string;
  series: Array<{ series: string; values: string }>;
  evalTime: string;
  firing?: Firing[];
}

const bucketSeries = (metric: string, labels: string, les: string[], hotFrom: string) =>
  les.map((le) => ({ series: `${metric}_bucket{${labels},le="${le}"}`, values: les.indexOf(le) >= les.indexOf(hotFrom) ? "0+1x400" : "0x400" }));
const jobLes = ["60", "300", "900", "1800", "3600", "+Inf"];
const httpLes = ["0.1", "0.5", "1", "2.5", "+Inf"];
const PVC = "data-wp-wearable-pipeline-timescaledb-0";

const cases: AlertCase[] = [
  {
    alert: "WearableIngestStale", kind: "fire", evalTime: "20m",
    series: [...leaderSeries, { series: op("wearable_participant_seconds_since_last_successful_ingest", `namespace="study-a",participant="p001"`), values: "100000+60x30" }],
    firing: [{ labels: { namespace: "study-a", participant: "p001" }, value: "1d 4h 6m 40s" }],
  },
  {
    // Stale only on the follower (its gauges are not authoritative); the leader says p002 is fresh.
    alert: "WearableIngestStale", kind: "silent", evalTime: "20m",
    series: [
      ...leaderSeries,
      { series: op("wearable_participant_seconds_since_last_successful_ingest", `namespace="study-a",participant="p001"`, false), values: "100000+60x30" },
      { series: op("wearable_participant_seconds_since_last_successful_ingest", `namespace="study-a",participant="p002"`), values: "1000+60x30" },
    ],
  },
  {
    alert: "WearableIngestFailingRepeatedly", kind: "fire", evalTime: "10m",
    series: [...leaderSeries, { series: op("wearable_participant_consecutive_ingest_failures", `namespace="study-a",participant="p001"`), values: "4x20" }],
    firing: [{ labels: { namespace: "study-a", participant: "p001" }, value: "4" }],
  },
  {
    alert: "WearableIngestFailingRepeatedly", kind: "silent", evalTime: "10m",
    series: [...leaderSeries, { series: op("wearable_participant_consecutive_ingest_failures", `namespace="study-a",participant="p001"`), values: "2x20" }],
  },
  {
    alert: "WearableJobFailureRateHigh", kind: "fire", evalTime: "80m",
    series: [
      { series: op("wearable_job_runs_total", `namespace="study-a",kind="ingest",result="failed"`), values: "0+3x90" },
      { series: op("wearable_job_runs_total", `namespace="study-a",kind="ingest",result="succeeded"`), values: "0+1x90" },
    ],
    firing: [{ labels: { namespace: "study-a", kind: "ingest" }, value: "75%" }],
  },
  {
    alert: "WearableJobFailureRateHigh", kind: "silent", evalTime: "80m",
    series: [
      { series: op("wearable_job_runs_total", `namespace="study-a",kind="ingest",result="failed"`), values: "0+1x90" },
      { series: op("wearable_job_runs_total", `namespace="study-a",kind="ingest",result="succeeded"`), values: "0+3x90" },
    ],
  },
  {
    alert: "WearableImputationRunFailed", kind: "fire", evalTime: "2m",
    series: [...leaderSeries, { series: op("wearable_imputationrun_failed", `namespace="study-a",imputationrun="ir-hr-7d"`), values: "1x5" }],
    firing: [{ labels: { namespace: "study-a", imputationrun: "ir-hr-7d" }, value: "1" }],
  },
  {
    alert: "WearableImputationRunFailed", kind: "silent", evalTime: "2m",
    series: [...leaderSeries, { series: op("wearable_imputationrun_failed", `namespace="study-a",imputationrun="ir-hr-7d"`), values: "0x5" }],
  },
  {
    alert: "WearableParticipantImputationFailed", kind: "fire", evalTime: "2m",
    series: [...leaderSeries, { series: op("wearable_participant_imputation_failed", `namespace="study-a",participant="p001"`), values: "1x5" }],
    firing: [{ labels: { namespace: "study-a", participant: "p001" }, value: "1" }],
  },
  {
    alert: "WearableParticipantImputationFailed", kind: "silent", evalTime: "2m",
    series: [...leaderSeries, { series: op("wearable_participant_imputation_failed", `namespace="study-a",participant="p001"`), values: "0x5" }],
  },
  {
    alert: "WearableIngestRunsSlow", kind: "fire", evalTime: "60m",
    series: bucketSeries("wearable_job_duration_seconds", `job="${OPJ}",namespace="study-a",kind="ingest"`, jobLes, "1800"),
    firing: [{ labels: { namespace: "study-a" }, value: "29m 15s" }],
  },
  {
    alert: "WearableIngestRunsSlow", kind: "silent", evalTime: "60m",
    series: [
      ...bucketSeries("wearable_job_duration_seconds", `job="${OPJ}",namespace="study-a",kind="ingest"`, jobLes, "300"),
      // A slow impute histogram must not trip the ingest budget.
      ...bucketSeries("wearable_job_duration_seconds", `job="${OPJ}",namespace="study-a",kind="impute"`, jobLes, "1800"),
    ],
  },
  {
    alert: "WearableImputeRunsSlow", kind: "fire", evalTime: "60m",
    series: bucketSeries("wearable_job_duration_seconds", `job="${OPJ}",namespace="study-a",kind="impute"`, jobLes, "3600"),
    firing: [{ labels: { namespace: "study-a" }, value: "58m 30s" }],
  },
  {
    alert: "WearableImputeRunsSlow", kind: "silent", evalTime: "60m",
    series: bucketSeries("wearable_job_duration_seconds", `job="${OPJ}",namespace="study-a",kind="impute"`, jobLes, "900"),
  },
  {
    // p001: last success 28 h ago; p002: created 28 h ago and never succeeded.
    alert: "WearableCronJobStale", kind: "fire", evalTime: "20m",
    series: [
      { series: `kube_cronjob_status_last_successful_time{namespace="study-a",cronjob="p001-ingest"}`, values: "-100000x30" },
      { series: `kube_cronjob_created{namespace="study-a",cronjob="p001-ingest"}`, values: "-200000x30" },
      { series: `kube_cronjob_spec_suspend{namespace="study-a",cronjob="p001-ingest"}`, values: "0x30" },
      { series: `kube_cronjob_created{namespace="study-a",cronjob="p002-ingest"}`, values: "-100000x30" },
      { series: `kube_cronjob_spec_suspend{namespace="study-a",cronjob="p002-ingest"}`, values: "0x30" },
    ],
    firing: [
      { labels: { namespace: "study-a", cronjob: "p001-ingest" }, value: "1d 4h 6m 40s" },
      { labels: { namespace: "study-a", cronjob: "p002-ingest" }, value: "1d 4h 6m 40s" },
    ],
  },
  {
    // Recent success; an old one that is suspended; an old one that is not ours.
    alert: "WearableCronJobStale", kind: "silent", evalTime: "20m",
    series: [
      { series: `kube_cronjob_status_last_successful_time{namespace="study-a",cronjob="p001-ingest"}`, values: "0x30" },
      { series: `kube_cronjob_created{namespace="study-a",cronjob="p001-ingest"}`, values: "-200000x30" },
      { series: `kube_cronjob_spec_suspend{namespace="study-a",cronjob="p001-ingest"}`, values: "0x30" },
      { series: `kube_cronjob_created{namespace="study-a",cronjob="p002-impute"}`, values: "-200000x30" },
      { series: `kube_cronjob_spec_suspend{namespace="study-a",cronjob="p002-impute"}`, values: "1x30" },
      { series: `kube_cronjob_created{namespace="ops",cronjob="backup"}`, values: "-200000x30" },
      { series: `kube_cronjob_spec_suspend{namespace="ops",cronjob="backup"}`, values: "0x30" },
    ],
  },
  {
    alert: "WearableStudyAdherenceLow", kind: "fire", evalTime: "6h10m",
    series: [
      { series: LEADER, values: "1x400" },
      { series: op("wearable_participant_wear_ratio_7d", `namespace="study-a",participant="p001"`), values: "0.5x400" },
      { series: op("wearable_participant_wear_ratio_7d", `namespace="study-a",participant="p002"`), values: "0.7x400" },
    ],
    firing: [{ labels: { namespace: "study-a" }, value: "60%" }],
  },
  {
    alert: "WearableStudyAdherenceLow", kind: "silent", evalTime: "6h10m",
    series: [
      { series: LEADER, values: "1x400" },
      { series: op("wearable_participant_wear_ratio_7d", `namespace="study-a",participant="p001"`), values: "0.8x400" },
      { series: op("wearable_participant_wear_ratio_7d", `namespace="study-a",participant="p002"`), values: "0.7x400" },
    ],
  },
  {
    alert: "WearableOperatorAbsent", kind: "fire", evalTime: "10m",
    series: [{ series: `up{job="${OPJ}",instance="op-0:8080"}`, values: "0x20" }],
    // absent() of a comparison carries no labels; the description names the job instead.
    firing: [{ labels: {}, value: "1" }],
  },
  {
    alert: "WearableOperatorAbsent", kind: "silent", evalTime: "10m",
    series: [{ series: `up{job="${OPJ}",instance="op-0:8080"}`, values: "1x20" }, { series: `up{job="${OPJ}",instance="op-1:8080"}`, values: "0x20" }],
  },
  {
    alert: "WearableOperatorNoLeader", kind: "fire", evalTime: "10m",
    series: [{ series: LEADER, values: "0x20" }, { series: FOLLOWER, values: "0x20" }],
    firing: [{ labels: {}, value: "0" }],
  },
  {
    alert: "WearableOperatorNoLeader", kind: "silent", evalTime: "10m",
    series: [{ series: LEADER, values: "1x20" }, { series: FOLLOWER, values: "0x20" }],
  },
  {
    alert: "WearableReconcileErrorsHigh", kind: "fire", evalTime: "30m",
    series: [
      { series: op("controller_runtime_reconcile_errors_total", `controller="participant"`), values: "0+2x40" },
      { series: op("controller_runtime_reconcile_total", `controller="participant",result="success"`), values: "0+8x40" },
      { series: op("controller_runtime_reconcile_total", `controller="participant",result="error"`), values: "0+2x40" },
    ],
    firing: [{ labels: { controller: "participant" }, value: "20%" }],
  },
  {
    alert: "WearableReconcileErrorsHigh", kind: "silent", evalTime: "30m",
    series: [
      { series: op("controller_runtime_reconcile_errors_total", `controller="participant"`), values: "0x40" },
      { series: op("controller_runtime_reconcile_total", `controller="participant",result="success"`), values: "0+10x40" },
    ],
  },
  {
    alert: "WearableWorkqueueBackingUp", kind: "fire", evalTime: "20m",
    series: [{ series: op("workqueue_depth", `name="participant"`), values: "150x30" }],
    firing: [{ labels: { name: "participant" }, value: "150" }],
  },
  {
    alert: "WearableWorkqueueBackingUp", kind: "silent", evalTime: "20m",
    series: [{ series: op("workqueue_depth", `name="participant"`), values: "50x30" }],
  },
  {
    alert: "WearableDatabaseDown", kind: "fire", evalTime: "10m",
    series: [{ series: `pg_up{job="${DBJ}",instance="db-0:9187"}`, values: "0x20" }],
    firing: [{ labels: {}, value: "0" }],
  },
  {
    alert: "WearableDatabaseDown", kind: "silent", evalTime: "10m",
    series: [{ series: `pg_up{job="${DBJ}",instance="db-0:9187"}`, values: "1x20" }],
  },
  {
    alert: "WearableDatabaseDiskFull", kind: "fire", evalTime: "20m",
    series: [
      { series: `kubelet_volume_stats_used_bytes{namespace="wearables",persistentvolumeclaim="${PVC}"}`, values: "90x30" },
      { series: `kubelet_volume_stats_capacity_bytes{namespace="wearables",persistentvolumeclaim="${PVC}"}`, values: "100x30" },
    ],
    firing: [{ labels: { namespace: "wearables", persistentvolumeclaim: PVC }, value: "90%" }],
  },
  {
    // Ours is half full; someone else's volume is full.
    alert: "WearableDatabaseDiskFull", kind: "silent", evalTime: "20m",
    series: [
      { series: `kubelet_volume_stats_used_bytes{namespace="wearables",persistentvolumeclaim="${PVC}"}`, values: "50x30" },
      { series: `kubelet_volume_stats_capacity_bytes{namespace="wearables",persistentvolumeclaim="${PVC}"}`, values: "100x30" },
      { series: `kubelet_volume_stats_used_bytes{namespace="other",persistentvolumeclaim="data-x-0"}`, values: "99x30" },
      { series: `kubelet_volume_stats_capacity_bytes{namespace="other",persistentvolumeclaim="data-x-0"}`, values: "100x30" },
    ],
  },
  {
    alert: "WearableOutreachErrorRateHigh", kind: "fire", evalTime: "30m",
    series: [
      { series: `outreach_http_requests_total{namespace="wearables",route="/contact",method="POST",code="500"}`, values: "0+1x40" },
      { series: `outreach_http_requests_total{namespace="wearables",route="/contact",method="POST",code="200"}`, values: "0+9x40" },
    ],
    firing: [{ labels: { namespace: "wearables" }, value: "10%" }],
  },
  {
    alert: "WearableOutreachErrorRateHigh", kind: "silent", evalTime: "30m",
    series: [
      { series: `outreach_http_requests_total{namespace="wearables",route="/contact",method="POST",code="500"}`, values: "0x40" },
      { series: `outreach_http_requests_total{namespace="wearables",route="/contact",method="POST",code="200"}`, values: "0+9x40" },
    ],
  },
  {
    alert: "WearableOutreachLatencyHigh", kind: "fire", evalTime: "30m",
    series: bucketSeries("outreach_http_request_duration_seconds", `namespace="wearables",route="/contact"`, httpLes, "2.5"),
    firing: [{ labels: { namespace: "wearables" }, value: "2.425s" }],
  },
  {
    alert: "WearableOutreachLatencyHigh", kind: "silent", evalTime: "30m",
    series: bucketSeries("outreach_http_request_duration_seconds", `namespace="wearables",route="/contact"`, httpLes, "0.1"),
  },
  {
    alert: "WearableOutreachMessagesFailing", kind: "fire", evalTime: "30m",
    series: [{ series: `outreach_messages_total{namespace="wearables",status="failed"}`, values: "0+1x60" }],
    firing: [{ labels: { namespace: "wearables" }, value: "30" }],
  },
  {
    alert: "WearableOutreachMessagesFailing", kind: "silent", evalTime: "30m",
    series: [
      { series: `outreach_messages_total{namespace="wearables",status="failed"}`, values: "0x60" },
      { series: `outreach_messages_total{namespace="wearables",status="sent"}`, values: "0+5x60" },
    ],
  },
];

/** The rule's annotation text with {{ $labels.x }} and {{ $value [| fn] }} filled in. */
function expectedText(template: string, f: Firing): string {
  return template
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => {
      const v = f.labels[name];
      if (v === undefined) throw new Error(`case has no label ${name} used in: ${template}`);
      return v;
    })
    .replace(/\{\{ \$value( \| \w+)? \}\}/g, f.value);
}

function promtoolTests(rules: Map<string, Rule>) {
  return cases.map((c) => {
    const rule = rules.get(c.alert);
    if (!rule) throw new Error(`no rendered rule ${c.alert}`);
    return {
      name: `${c.alert} ${c.kind}`,
      interval: c.interval ?? "1m",
      input_series: c.series,
      alert_rule_test: [{
        eval_time: c.evalTime,
        alertname: c.alert,
        exp_alerts: (c.firing ?? []).map((f) => ({
          exp_labels: { alertname: c.alert, severity: rule.labels!.severity!, ...f.labels },
          exp_annotations: Object.fromEntries(Object.entries(rule.annotations!).map(([k, v]) => [k, expectedText(v, f)])),
        })),
      }],
    };
  });
}

void describe("alerts: promtool check and test on the chart's rendered rules", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let rules: Map<string, Rule>;
  before(async () => {
    dir = await tempDir("promtool");
    const groups = ruleGroups(await render({ release: "wp", namespace: "wearables" }));
    rules = new Map(groups.flatMap((g) => g.rules).map((r) => [r.alert!, r]));
    await writeFile(join(dir.path, "rules.yaml"), stringify({ groups }));
  });
  after(async () => dir?.remove());

  void it("every alert has a firing and a silent case", () => {
    for (const name of alertNames()) {
      assert.ok(cases.some((c) => c.alert === name && c.kind === "fire" && (c.firing?.length ?? 0) > 0), `${name} has a firing case`);
      assert.ok(cases.some((c) => c.alert === name && c.kind === "silent" && !c.firing?.length), `${name} has a silent case`);
    }
  });

  void it("promtool check rules accepts the rendered rules", async () => {
    const { stdout } = await run("promtool", ["check", "rules", join(dir.path, "rules.yaml")]);
    assert.match(stdout, new RegExp(`SUCCESS: ${alertNames().length} rules found`));
  });

  void it("promtool test rules: each alert fires on its firing case and stays quiet on its silent case", async () => {
    const testFile = join(dir.path, "tests.yaml");
    await writeFile(testFile, stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: promtoolTests(rules) }));
    try {
      const { stdout } = await run("promtool", ["test", "rules", testFile], { cwd: dir.path });
      assert.match(stdout, /SUCCESS/);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`promtool test rules failed:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    }
  });
});
