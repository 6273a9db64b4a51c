// The whole alert path with real components: the real `wearable operator`
// (under the chart's RBAC, against a real API server) exports metrics; a real
// Prometheus scrapes it and evaluates the chart's rendered rules; a real
// Alertmanager routes by severity and delivers to a webhook sink here.
// A Participant whose ingest never succeeds (no kubelet runs its Jobs) goes
// stale; WearableIngestStale must arrive naming that participant.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { freePort } from "../../jobs/db/embedded.ts";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { startAlertmanager, startPrometheus, type Server } from "../harness/monitoring.ts";
import { logTail, startProcess, tempDir, waitFor, type ManagedProcess } from "../harness/processes.ts";
import { chartDir, one, render, repoRoot, ruleGroups, type K8sObject } from "./chart-helm.ts";
import { startWebhookSink } from "./webhook-sink.ts";

const RELEASE = "wp";
const NS = "wearables";
const STUDY_NS = "study-a";
const OPERATOR_JOB = `${RELEASE}-wearable-pipeline-operator`;

type EnvVar = { name: string; value?: string };

void describe("alerts end to end: operator -> Prometheus -> Alertmanager -> webhook", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let cp: ControlPlane;
  let operator: ManagedProcess;
  let prometheus: Server;
  let alertmanager: Server;
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let logDir: Awaited<ReturnType<typeof tempDir>>;
  let metricsPort: number;

  before(async () => {
    logDir = await tempDir("alerts-e2e");
    cp = await startControlPlane({ controllerManager: false });
    cp.kubectl(["apply", "-f", join(chartDir, "crds")]);
    cp.kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
    for (const ns of [NS, STUDY_NS]) cp.kubectl(["create", "namespace", ns]);

    // The operator runs as its ServiceAccount with exactly the chart's RBAC.
    const objects = await render({ release: RELEASE, namespace: NS, set: [`participantNamespaces={${STUDY_NS}}`] });
    const rbac = objects.filter((o) => ["ClusterRole", "ClusterRoleBinding", "ServiceAccount", "RoleBinding"].includes(o.kind));
    cp.kubectl(["apply", "-f", "-"], rbac.map((o) => stringify(o)).join("---\n"));
    const sa = one(objects, "ServiceAccount", "-operator").metadata.name;
    const { path: kubeconfig } = await cp.serviceAccountKubeconfig(NS, sa);

    // Its configuration is the chart's: the literal env of the rendered Deployment.
    const deployment = one(objects, "Deployment", "-operator") as K8sObject & { spec: { template: { spec: { containers: Array<{ env: EnvVar[]; args: string[] }> } } } };
    const container = deployment.spec.template.spec.containers[0]!;
    const chartEnv = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    metricsPort = await freePort();
    operator = startProcess("operator", process.execPath, [join(repoRoot, "bin/wearable.ts"), "operator", `--metrics-port=${metricsPort}`], {
      logDir: logDir.path,
      env: { ...process.env, ...chartEnv, KUBECONFIG: kubeconfig, POD_NAME: "wp-operator-0", POD_NAMESPACE: NS, LOG_LEVEL: "info" },
    });
    await waitFor("operator /readyz", async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok, { proc: operator, timeoutMs: 60_000 });

    sink = await startWebhookSink();
    // Routes by severity like charts/kube-prometheus-stack-values.yaml, timings shortened for a test.
    alertmanager = await startAlertmanager(stringify({
      route: {
        receiver: "null", group_by: ["alertname", "namespace"], group_wait: "1s", group_interval: "1s", repeat_interval: "1h",
        routes: [{ receiver: "study-webhook", matchers: ['severity=~"critical|warning"'] }],
      },
      receivers: [{ name: "null" }, { name: "study-webhook", webhook_configs: [{ url: sink.url, send_resolved: false }] }],
    }));

    // The chart's rules, rendered with a 3.6 s staleness threshold and no `for`, so the test takes seconds.
    const rulesObjects = await render({
      release: RELEASE, namespace: NS,
      setJson: ["monitoring.alerts.ingestStaleHours=0.001"],
      set: ["monitoring.alerts.forOverrides.WearableIngestStale=0s"],
    });
    prometheus = await startPrometheus(stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: ["rules.yaml"],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager.url.replace("http://", "")] }] }] },
      // honor_labels, as the chart's ServiceMonitor sets: the participant's namespace label must win.
      scrape_configs: [{ job_name: OPERATOR_JOB, honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] }],
    }), { "rules.yaml": stringify({ groups: ruleGroups(rulesObjects) }) });
  });

  after(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await sink?.close();
    await operator?.stop("SIGTERM", 10_000);
    await cp?.stop();
    await logDir?.remove();
  });

  void it("a participant whose ingest never succeeds raises WearableIngestStale at the webhook, naming it", async () => {
    cp.kubectl(["apply", "-f", "-"], stringify({
      apiVersion: "wearables.dev/v1alpha1", kind: "Participant",
      metadata: { name: "p001", namespace: STUDY_NS },
      spec: { participantId: "P001", source: { synthetic: { seed: 7, profile: "compliant" } } },
    }));
    const stale = () => sink.alerts.find((a) => a.labels.alertname === "WearableIngestStale" && a.status === "firing");
    try {
      await waitFor("WearableIngestStale at the webhook", async () => stale() !== undefined, { timeoutMs: 90_000, intervalMs: 500 });
    } catch (err) {
      const rules = await (await fetch(`${prometheus.url}/api/v1/rules?type=alert`)).text();
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text().catch(() => "");
      throw new Error(`${(err as Error).message}\n--- operator log ---\n${await logTail(operator.logFile)}\n--- metrics ---\n${metrics.split("\n").filter((l) => l.startsWith("wearable_participant") || l.startsWith("leader")).join("\n")}\n--- rules ---\n${rules.slice(0, 2000)}`, { cause: err });
    }
    const alert = stale()!;
    assert.equal(alert.labels.severity, "warning");
    assert.equal(alert.labels.namespace, STUDY_NS);
    assert.equal(alert.labels.participant, "p001");
    assert.match(alert.annotations.description ?? "", /Participant p001 in namespace study-a has had no successful ingest/);
    assert.match(alert.annotations.runbook_url ?? "", /runbooks\.md#wearableingeststale$/);
    // The operator really is the leader being scraped, and the cluster state agrees.
    // The alert needs only the Participant; the CronJob may land a moment later on a loaded machine.
    await waitFor("the operator to create the participant's ingest CronJob", async () => {
      const cronJobs = JSON.parse(cp.kubectl(["-n", STUDY_NS, "get", "cronjobs", "-o", "json"])) as { items: unknown[] };
      return cronJobs.items.length >= 1;
    }, { proc: operator, timeoutMs: 60_000, intervalMs: 500 });
  });
});
