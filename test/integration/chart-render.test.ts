// The chart rendered with every ci/ values set: lint, structure, security,
// the shared RBAC rules, credentials and labels. Needs only the helm binary.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { alertNames } from "../../charts/alerts/render-template.ts";
import { staleFiles } from "../../charts/sync.ts";
import { valueRows } from "../../charts/values-table.ts";
import { operatorConfigSchema } from "../../operator/src/runtime/config.ts";
import { chartDir, ciValuesFiles, find, helm, one, render, renderText, ruleGroups, type K8sObject } from "./chart-helm.ts";

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  volumes?: Array<{ name: string; emptyDir?: { medium?: string } }>;
  terminationGracePeriodSeconds?: number;
}

function podSpec(o: K8sObject): PodSpec {
  const spec = o.spec as { template?: { spec: PodSpec }; jobTemplate?: { spec: { template: { spec: PodSpec } } } };
  if (spec.template) return spec.template.spec;
  throw new Error(`${o.kind} ${o.metadata.name} has no pod template`);
}

const workloads = (objs: K8sObject[]) => objs.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind));
const stringData = (o: K8sObject) => (o as unknown as { stringData: Record<string, string> }).stringData;

// Needs only the helm binary, but that is built by hack/build-tools.sh, which `make unit` does not run.
void describe("chart: helm lint and template", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  const rendered = new Map<string, K8sObject[]>();
  before(async () => {
    for (const f of await ciValuesFiles()) rendered.set(f.split("/").pop()!.replace("-values.yaml", ""), await render({ valuesFiles: [f] }));
  });
  const get = (name: string) => {
    const objs = rendered.get(name);
    assert.ok(objs, `ci/${name}-values.yaml exists`);
    return objs;
  };

  void it("passes helm lint --strict with each ci/ values file", async () => {
    for (const f of await ciValuesFiles()) {
      const out = await helm(["lint", "--strict", chartDir, "--values", f, "--kube-version", "1.34.2"]);
      assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/, f);
    }
  });

  void it("keeps generated and copied files (rules template, schema, CRDs, dashboards) in sync with their sources", async () => {
    assert.deepEqual(await staleFiles(), [], "run `node charts/sync.ts`");
    const chartCrds = await readFile(join(chartDir, "crds/wearables.dev_participants.yaml"), "utf8");
    assert.match(chartCrds, /kind: CustomResourceDefinition/);
  });

  void it("defaults: operator Deployment with 2 replicas, leader election, probes, restricted security and a PDB", () => {
    const objs = get("default");
    const dep = one(objs, "Deployment", "-operator");
    assert.equal((dep.spec as { replicas: number }).replicas, 2);
    const c = podSpec(dep).containers[0]!;
    assert.deepEqual((c.livenessProbe as { httpGet: { path: string } }).httpGet.path, "/healthz");
    assert.deepEqual((c.readinessProbe as { httpGet: { path: string } }).httpGet.path, "/readyz");
    assert.ok(c.args?.includes("--metrics-port=8080"));
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
    assert.equal(env.WEARABLE_LEADER_ELECT?.value, "true");
    const pdb = one(objs, "PodDisruptionBudget");
    assert.equal((pdb.spec as { minAvailable: number }).minAvailable, 1);
  });

  void it("every container: pinned image, resources, restricted securityContext; pods non-root with seccomp", () => {
    for (const [name, objs] of rendered) {
      for (const w of workloads(objs)) {
        const spec = podSpec(w);
        assert.equal(spec.securityContext?.runAsNonRoot, true, `${name}: ${w.metadata.name} runAsNonRoot`);
        assert.deepEqual(spec.securityContext?.seccompProfile, { type: "RuntimeDefault" });
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const where = `${name}: ${w.kind}/${w.metadata.name}/${c.name}`;
          assert.doesNotMatch(c.image, /:latest$|^[^:]+$/, `${where} image is pinned`);
          assert.ok(c.resources?.requests?.memory && c.resources.limits?.memory, `${where} has memory request and limit`);
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, where);
          assert.equal(c.securityContext?.readOnlyRootFilesystem, true, where);
          assert.deepEqual(c.securityContext?.capabilities, { drop: ["ALL"] }, where);
        }
      }
    }
  });

  void it("the operator's env is exactly what operator/src/runtime/config.ts accepts", () => {
    const c = podSpec(one(get("default"), "Deployment", "-operator")).containers[0]!;
    const env = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const known = ["WEARABLE_IMAGE", "WEARABLE_IMAGE_PULL_POLICY", "WEARABLE_JOB_SERVICE_ACCOUNT", "WEARABLE_DB_SECRET_NAME", "WEARABLE_DB_SECRET_KEY",
      "WEARABLE_LEADER_ELECT", "WEARABLE_LEADER_ELECTION_ID", "WEARABLE_JOB_CPU_REQUEST", "WEARABLE_JOB_MEMORY_REQUEST", "WEARABLE_JOB_MEMORY_LIMIT", "LOG_LEVEL",
      // Read by Node itself, not the operator config: bounds the V8 heap.
      "NODE_OPTIONS"];
    for (const name of Object.keys(env)) assert.ok(known.includes(name), `${name} is read by the operator config`);
    const parsed = operatorConfigSchema.safeParse({
      image: env.WEARABLE_IMAGE,
      imagePullPolicy: env.WEARABLE_IMAGE_PULL_POLICY,
      dbSecretName: env.WEARABLE_DB_SECRET_NAME,
      dbSecretKey: env.WEARABLE_DB_SECRET_KEY,
      jobServiceAccountName: env.WEARABLE_JOB_SERVICE_ACCOUNT,
      leaderElectionId: env.WEARABLE_LEADER_ELECTION_ID,
      job: { cpuRequest: env.WEARABLE_JOB_CPU_REQUEST, memoryRequest: env.WEARABLE_JOB_MEMORY_REQUEST, memoryLimit: env.WEARABLE_JOB_MEMORY_LIMIT },
      identity: "pod-0",
    });
    assert.ok(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues));
  });

  void it("RBAC: the operator ClusterRole is files/operator-rbac-rules.yaml verbatim; jobs get only Secrets get/update/patch", async () => {
    const objs = get("default");
    const shared = parse(await readFile(join(chartDir, "files/operator-rbac-rules.yaml"), "utf8")) as unknown[];
    assert.deepEqual(one(objs, "ClusterRole", "-operator").rules, shared);
    assert.deepEqual(one(objs, "ClusterRole", "-jobs").rules, [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "update", "patch"] }]);
    const binding = one(objs, "RoleBinding", "-jobs") as unknown as { subjects: Array<{ name: string }> };
    assert.equal(binding.subjects[0]!.name, one(objs, "ServiceAccount", "-jobs").metadata.name);
  });

  void it("RBAC: outreach has no API access unless it follows contactSecretRef; then exactly files/outreach-rbac-rules.yaml, in that namespace", async () => {
    const deployment = (objs: K8sObject[]) => one(objs, "Deployment", "-outreach");
    const outreachArgs = (objs: K8sObject[]) => podSpec(deployment(objs)).containers[0]!.args ?? [];
    const automount = (objs: K8sObject[]) => (podSpec(deployment(objs)) as { automountServiceAccountToken?: boolean }).automountServiceAccountToken;
    const plain = get("default");
    assert.equal(automount(plain), false);
    assert.ok(!outreachArgs(plain).some((a) => a.startsWith("--participant-namespace")));
    assert.deepEqual(find(plain, "Role").filter((r) => r.metadata.name.endsWith("-outreach")), []);

    const objs = get("custom-release-label");
    const shared = parse(await readFile(join(chartDir, "files/outreach-rbac-rules.yaml"), "utf8")) as unknown[];
    const role = one(objs, "Role", "-outreach");
    assert.equal(role.metadata.namespace, "study-a");
    assert.deepEqual((role as unknown as { rules: unknown[] }).rules, shared);
    const binding = one(objs, "RoleBinding", "-outreach") as unknown as K8sObject & { subjects: Array<{ name: string; namespace: string }> };
    assert.equal(binding.metadata.namespace, "study-a");
    assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: deployment(objs).metadata.name, namespace: "wearables" }]);
    assert.equal(automount(objs), true);
    assert.ok(outreachArgs(objs).includes("--participant-namespace=study-a"));
  });

  void it("TimescaleDB: pinned timescaledb-ha, headless Service, PVC template, /dev/shm in memory, probes, long grace", () => {
    const objs = get("default");
    const sts = one(objs, "StatefulSet");
    const spec = podSpec(sts);
    const db = spec.containers.find((c) => c.name === "timescaledb")!;
    assert.match(db.image, /^timescale\/timescaledb-ha:pg\d+\.\d+-ts\d+\.\d+\.\d+$/);
    assert.ok(db.startupProbe && db.readinessProbe);
    assert.ok(spec.containers.some((c) => c.image.startsWith("quay.io/prometheuscommunity/postgres-exporter:v")));
    assert.equal(spec.volumes?.find((v) => v.name === "dshm")?.emptyDir?.medium, "Memory");
    assert.ok((spec.terminationGracePeriodSeconds ?? 0) >= 60);
    assert.equal((sts.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates.length, 1);
    const svc = one(objs, "Service", "-timescaledb");
    assert.equal((svc.spec as { clusterIP: string }).clusterIP, "None");
  });

  void it("credentials: one generated password shared by every copy; the datasource uses the reader role's", () => {
    const objs = render({ valuesFiles: [], set: ["participantNamespaces={study-a}"] });
    return objs.then(async (o) => {
      const dbSecrets = find(o, "Secret", "-db");
      assert.deepEqual(dbSecrets.map((s) => s.metadata.namespace).sort(), ["study-a", "wearables"]);
      const passwords = new Set(dbSecrets.map((s) => stringData(s).password));
      assert.equal(passwords.size, 1);
      const [password] = [...passwords];
      assert.match(password!, /^[A-Za-z0-9]{32}$/);
      assert.ok(stringData(dbSecrets[0]!).uri!.includes(`:${password}@`));
      const reader = stringData(one(o, "Secret", "-db-reader"));
      const ds = one(o, "Secret", "-grafana-datasource");
      assert.equal(ds.metadata.labels?.grafana_datasource, "1");
      const provisioning = parse(Object.values(stringData(ds))[0]!) as { datasources: Array<Record<string, unknown>> };
      const d = provisioning.datasources[0]!;
      // The dashboards' $datasource variable lists data sources of this plugin id.
      const dashboard = JSON.parse(await readFile(join(chartDir, "dashboards/adherence-overview.json"), "utf8")) as { templating: { list: Array<{ type: string; query: string }> } };
      assert.equal(d.type, dashboard.templating.list.find((v) => v.type === "datasource")?.query);
      assert.match(String(d.type), /postgres/);
      assert.equal(d.user, reader.username);
      assert.deepEqual(d.secureJsonData, { password: reader.password });
      assert.equal((d.jsonData as { timescaledb: boolean }).timescaledb, true);
      assert.notEqual(reader.password, password);
    });
  });

  void it("dashboards: one ConfigMap per dashboards/*.json with the sidecar label", async () => {
    const cms = find(get("default"), "ConfigMap").filter((c) => c.metadata.labels?.grafana_dashboard === "1");
    const expected = ["adherence-overview", "participant-detail", "pipeline-health"];
    for (const name of expected) {
      const cm = cms.find((c) => c.metadata.name.endsWith(`-dashboard-${name}`));
      assert.ok(cm, `dashboard ConfigMap for ${name}`);
      const json = (cm as unknown as { data: Record<string, string> }).data[`${name}.json`]!;
      const source = await readFile(join(chartDir, "..", "..", "dashboards", `${name}.json`), "utf8");
      // Compare parsed JSON: a textual diff of a whole dashboard is unreadable in a failure.
      assert.ok(JSON.stringify(JSON.parse(json)) === JSON.stringify(JSON.parse(source)), `${name}.json in the chart differs from dashboards/; run \`node charts/sync.ts\``);
    }
  });

  void it("external database: no StatefulSet, no generated connection Secret, pods read the given Secret", () => {
    const objs = get("external-db");
    assert.equal(find(objs, "StatefulSet").length, 0);
    assert.equal(find(objs, "NetworkPolicy").length, 0);
    assert.equal(find(objs, "Secret", "-db").length, 0);
    const env = podSpec(one(objs, "Deployment", "-operator")).containers[0]!.env!;
    assert.deepEqual(env.find((e) => e.name === "DATABASE_URL")?.valueFrom?.secretKeyRef, { name: "wearable-db-app", key: "uri" });
    assert.equal(env.find((e) => e.name === "WEARABLE_DB_SECRET_NAME")?.value, "wearable-db-app");
    const alerts = ruleGroups(objs).flatMap((g) => g.rules.map((r) => r.alert));
    assert.ok(!alerts.includes("WearableDatabaseDown") && !alerts.includes("WearableDatabaseDiskFull"));
  });

  void it("monitoring off: no prometheus-operator or Grafana objects", () => {
    const objs = get("monitoring-off");
    assert.deepEqual(objs.filter((o) => o.apiVersion.startsWith("monitoring.coreos.com")), []);
    assert.deepEqual(objs.filter((o) => o.metadata.labels?.grafana_dashboard || o.metadata.labels?.grafana_datasource), []);
  });

  void it("release label: defaults to kube-prometheus-stack, custom value on every ServiceMonitor and the PrometheusRule", () => {
    for (const [set, label] of [["default", "kube-prometheus-stack"], ["custom-release-label", "prom"]] as const) {
      const monitoring = get(set).filter((o) => o.apiVersion.startsWith("monitoring.coreos.com"));
      assert.equal(monitoring.length, 4, `${set}: 3 ServiceMonitors + 1 PrometheusRule`);
      for (const o of monitoring) assert.equal(o.metadata.labels?.release, label, `${set}: ${o.kind}/${o.metadata.name}`);
    }
    const opSm = one(get("default"), "ServiceMonitor", "-operator") as K8sObject & { spec: { endpoints: Array<{ honorLabels?: boolean; port: string }> } };
    assert.deepEqual(opSm.spec.endpoints.map((e) => [e.port, e.honorLabels]), [["metrics", true]], "operator metrics keep their namespace label");
    const stale = ruleGroups(get("custom-release-label")).flatMap((g) => g.rules).find((r) => r.alert === "WearableIngestStale")!;
    assert.equal(stale.for, "30m");
    assert.match(stale.expr, /> 48 \* 3600/);
    assert.equal(stale.labels?.team, "research-platform");
  });

  void it("every alert has severity, summary, a description naming the object, and a runbook section", async () => {
    const runbooks = await readFile(join(chartDir, "../../docs/runbooks.md"), "utf8");
    const rules = ruleGroups(get("default")).flatMap((g) => g.rules);
    assert.deepEqual(rules.map((r) => r.alert).sort(), alertNames().sort());
    for (const r of rules) {
      assert.match(r.labels?.severity ?? "", /^(critical|warning|info)$/, r.alert);
      assert.ok(r.annotations?.summary, `${r.alert} summary`);
      assert.match(r.annotations?.description ?? "", /\{\{ \$labels\.\w+ \}\}|scrape job/, `${r.alert} description names an object`);
      const anchor = r.annotations?.runbook_url?.split("#")[1];
      assert.equal(anchor, r.alert!.toLowerCase());
      assert.match(runbooks, new RegExp(`^## ${r.alert}$`, "m"), `docs/runbooks.md has a section for ${r.alert}`);
    }
  });

  void it("schema: unknown keys and bad enums fail with the field named; contradictory values fail", async () => {
    await assert.rejects(renderText({ set: ["operator.replicas=3"] }), /additional properties 'replicas' not allowed/);
    await assert.rejects(renderText({ set: ["database.mode=cloud"] }), /\/database\/mode.*one of 'internal', 'external'/s);
    await assert.rejects(renderText({ set: ["image.tag=latest"] }), /\/image\/tag/);
    await assert.rejects(renderText({ set: ["monitoring.alerts.forOverrides.NoSuchAlert=5m"] }), /forOverrides/);
    await assert.rejects(renderText({ set: ["database.mode=external"] }), /secretName|host/);
    await assert.rejects(renderText({ set: ["operator.podDisruptionBudget.minAvailable=2"] }), /minAvailable must be below operator.replicaCount/);
    await assert.rejects(renderText({ set: ["operator.leaderElection=false"] }), /leaderElection=false needs operator.replicaCount=1/);
    await renderText({ set: ["operator.leaderElection=false", "operator.replicaCount=1"] });
  });

  void it("values.yaml: every value has a `# --` description (the README values table is built from them)", async () => {
    const rows = valueRows(await readFile(join(chartDir, "values.yaml"), "utf8"));
    assert.ok(rows.length > 60);
    for (const r of rows) assert.ok(r.description.length > 3, `${r.key} has a # -- description in values.yaml`);
    const readme = await readFile(join(chartDir, "README.md"), "utf8");
    assert.match(readme, /## CRDs/);
    for (const r of rows) assert.ok(readme.includes(`| \`${r.key}\` |`), `README documents ${r.key}`);
  });

  void it("schema: draft-07, a description on every property, closed objects", async () => {
    const schema = JSON.parse(await readFile(join(chartDir, "values.schema.json"), "utf8")) as Record<string, unknown>;
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    const walk = (node: Record<string, unknown>, path: string) => {
      const props = node.properties as Record<string, Record<string, unknown>> | undefined;
      if (!props) return;
      for (const [key, child] of Object.entries(props)) {
        const p = `${path}.${key}`;
        assert.ok(typeof child.description === "string" && child.description.length > 3, `${p} has a description`);
        if (child.properties) assert.equal(child.additionalProperties, false, `${p} is closed`);
        walk(child, p);
      }
    };
    walk(schema, "values");
  });
});
