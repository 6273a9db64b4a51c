// Every object the chart renders, for every ci/ values set, applied with
// `kubectl apply --dry-run=server` to a real kube-apiserver with our CRDs
// installed; ServiceMonitors and PrometheusRules also validated against the
// prometheus-operator schema (@kubernetes-models/prometheus-operator). Then a
// real `helm install` + `helm upgrade` proves generated passwords survive upgrades.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { parseAllDocuments, stringify } from "yaml";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { chartDir, ciValuesFiles, helm, KUBE_VERSION, monitoringCrd, renderText, type K8sObject } from "./chart-helm.ts";

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);

void describe("chart: server-side dry-run on a real API server", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane({ controllerManager: false });
    const crdDir = join(chartDir, "crds");
    for (const f of (await readdir(crdDir)).filter((n) => n.endsWith(".yaml"))) cp.kubectl(["apply", "-f", join(crdDir, f)]);
    cp.kubectl(["apply", "-f", "-"], [monitoringCrd("ServiceMonitor", "servicemonitors"), monitoringCrd("PrometheusRule", "prometheusrules")].map((c) => stringify(c)).join("---\n"));
    cp.kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
    for (const ns of ["wearables", "study-a"]) cp.kubectl(["create", "namespace", ns]);
  });
  after(async () => cp?.stop());

  void it("every rendered object of every ci/ values set passes --dry-run=server", async () => {
    for (const f of await ciValuesFiles()) {
      const text = await renderText({ valuesFiles: [f], set: ["participantNamespaces={study-a}"] });
      const objects = docs(text);
      assert.ok(objects.length > 10, `${f} renders objects`);
      let out: string;
      try {
        out = cp.kubectl(["apply", "--dry-run=server", "-f", "-"], text);
      } catch (err) {
        assert.fail(`${f}: dry-run rejected:\n${(err as { stderr?: string }).stderr ?? String(err)}`);
      }
      const applied = out.trim().split("\n").filter((l) => l.includes("(server dry run)"));
      assert.equal(applied.length, objects.length, `${f}: every object accepted:\n${out}`);
    }
  });

  void it("ServiceMonitors and PrometheusRules match the prometheus-operator schema", async () => {
    let checked = 0;
    for (const f of await ciValuesFiles()) {
      for (const o of docs(await renderText({ valuesFiles: [f] }))) {
        if (o.kind === "ServiceMonitor") new ServiceMonitor(o as never).validate();
        else if (o.kind === "PrometheusRule") new PrometheusRule(o as never).validate();
        else continue;
        checked++;
      }
    }
    assert.ok(checked >= 10, `validated ${checked} monitoring objects`);
    // The validator does reject what prometheus-operator would: a bad duration.
    const bad = { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "x" }, spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up", for: "5 minutes" }] }] } };
    assert.throws(() => new PrometheusRule(bad as never).validate(), /for must match pattern/);
  });

  void it("helm install then upgrade keeps the generated database and reader passwords (lookup)", async () => {
    const env = { KUBECONFIG: cp.kubeconfigPath };
    const base = ["--namespace", "wearables", "--no-hooks", "--set", "participantNamespaces={study-a}"];
    await helm(["install", "wp", chartDir, ...base], env);
    const secret = (ns: string, name: string) => {
      const s = JSON.parse(cp.kubectl(["-n", ns, "get", "secret", name, "-o", "json"])) as { data: Record<string, string> };
      return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    };
    const db1 = secret("wearables", "wp-wearable-pipeline-db");
    const copy1 = secret("study-a", "wp-wearable-pipeline-db");
    const reader1 = secret("wearables", "wp-wearable-pipeline-db-reader");
    assert.equal(copy1.password, db1.password);
    await helm(["upgrade", "wp", chartDir, ...base, "--set", "operator.logLevel=debug"], env);
    assert.equal(secret("wearables", "wp-wearable-pipeline-db").password, db1.password);
    assert.equal(secret("study-a", "wp-wearable-pipeline-db").password, db1.password);
    assert.equal(secret("wearables", "wp-wearable-pipeline-db-reader").password, reader1.password);
    const ds = secret("wearables", "wp-wearable-pipeline-grafana-datasource");
    assert.ok(Object.values(ds)[0]!.includes(`password: "${reader1.password}"`), "datasource keeps the reader password");
    const deployed = JSON.parse(cp.kubectl(["-n", "wearables", "get", "deploy", "wp-wearable-pipeline-operator", "-o", "json"])) as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } };
    assert.equal(deployed.spec.template.spec.containers[0]!.env.find((e) => e.name === "LOG_LEVEL")?.value, "debug");
    // helm's kubeVersion check ran against the real server version.
    assert.match(await readFile(join(chartDir, "Chart.yaml"), "utf8"), /kubeVersion/);
    assert.match(cp.kubectl(["version", "-o", "json"]), new RegExp(KUBE_VERSION.replace(/\./g, "\\.")));
  });
});
