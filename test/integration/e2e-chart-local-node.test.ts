// `helm install` of the chart on a real API server, with every pod of the
// release running on the local node (test/harness/local-node.ts): the
// operator Deployment (in-cluster ServiceAccount token, the chart's RBAC and
// config env), outreach, and the post-install migrations hook (pg_isready,
// `wearable migrate`, psql with the db-roles ConfigMap). Then a Participant
// is reconciled by that operator pod, its first ingest runs in a job pod as
// the chart's jobs ServiceAccount, and rows reach PostgreSQL; `hack/e2e-kind.sh
// demo-crs` itself applies the demo Participants; `helm upgrade` rolls the
// operator and re-runs the hook.
//
// Monitoring as kube-prometheus-stack would run it: a real Prometheus gets
// scrape jobs translated from the release's ServiceMonitors (what
// prometheus-operator does) and the rules of its PrometheusRule, and a real
// Alertmanager delivers WearableIngestStale for a suspended participant to a
// webhook, as `make e2e-kind` asserts.
//
// The pods of our image run inside the image itself: hack/build-image-local.sh
// builds the Dockerfile with buildah (on a stand-in for its Docker Hub base),
// and the local node runs each such container in that image's root filesystem
// with its ENTRYPOINT, ENV, WORKDIR and user.
//
// This is `make deploy && make demo-crs && make e2e-kind` without Docker: the
// database is native PostgreSQL in the chart's external mode (the
// timescaledb-ha image cannot be pulled here, so its containers run this
// machine's sh, pg_isready and psql), prometheus-operator's CRDs are
// schemaless stand-ins, there is no Grafana, and the operator runs one replica
// (pods share this machine's network, so two would share a metrics port).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import pg from "pg";
import { stringify } from "yaml";
import { freePorts } from "../../jobs/db/embedded.ts";
import { KubeClient, RESOURCES } from "../../operator/src/runtime/kube-client.ts";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { startLocalNode, type LocalImage, type LocalNode } from "../harness/local-node.ts";
import { startAlertmanager, startPrometheus, type Server } from "../harness/monitoring.ts";
import { startNativePostgres, type NativePostgres } from "../harness/postgres.ts";
import { monitoringCrd, type K8sObject } from "./chart-helm.ts";
import { until } from "./operator-env.ts";
import { startWebhookSink } from "./webhook-sink.ts";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../..");
const NS = "wearables";
const RELEASE = "wp";
const FULL = `${RELEASE}-wearable-pipeline`;
const IMAGE = "localhost/wearable";
const TAG = "dev";

/** Builds the Dockerfile (hack/build-image-local.sh) and describes the unpacked image for the local node. */
async function localImage(): Promise<LocalImage> {
  const { stdout: rootfs } = await run(join(repoRoot, "hack/build-image-local.sh"), [], { env: { ...process.env, IMAGE: `${IMAGE}:${TAG}` }, maxBuffer: 16 << 20 });
  const { stdout } = await run("buildah", ["inspect", "--type", "image", `${IMAGE}:${TAG}`], { maxBuffer: 16 << 20 });
  const config = (JSON.parse(stdout) as { OCIv1: { config: { User?: string; Env?: string[]; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string } } }).OCIv1.config;
  return {
    rootfs: rootfs.trim(),
    ...(config.User ? { user: config.User } : {}),
    ...(config.Env ? { env: config.Env } : {}),
    ...(config.Entrypoint ? { entrypoint: config.Entrypoint } : {}),
    ...(config.Cmd ? { cmd: config.Cmd } : {}),
    ...(config.WorkingDir ? { workingDir: config.WorkingDir } : {}),
  };
}

interface Pt {
  status?: {
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
    lastIngest?: { jobName: string; rowsWritten?: number };
    lastSuccessfulIngestTime?: string;
  };
}

interface ScrapeConfig {
  job_name: string;
  honor_labels: boolean;
  metrics_path: string;
  static_configs: Array<{ targets: string[]; labels: Record<string, string> }>;
}

/**
 * What prometheus-operator makes of ServiceMonitors, on a node whose pods all
 * listen on loopback: endpoint port name → the Service's port → its target
 * port → the selected pods' container port, with its job/namespace/service labels.
 */
function scrapeConfigs(monitors: K8sObject[], services: K8sObject[], pods: V1Pod[]): ScrapeConfig[] {
  type Endpoint = { port: string; path?: string; honorLabels?: boolean };
  type SvcSpec = { selector: Record<string, string>; ports: Array<{ name: string; targetPort: string | number }> };
  const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
  return monitors.flatMap((m) => {
    const spec = m.spec as { selector: { matchLabels: Record<string, string> }; endpoints: Endpoint[] };
    return services.filter((svc) => matches(svc.metadata.labels, spec.selector.matchLabels)).flatMap((svc) => spec.endpoints.map((ep) => {
      const s = svc.spec as SvcSpec;
      const target = s.ports.find((p) => p.name === ep.port)?.targetPort;
      const targets = pods.filter((p) => !p.metadata!.deletionTimestamp && matches(p.metadata!.labels, s.selector)).map((p) => {
        const port = typeof target === "number" ? target : p.spec!.containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === target)?.containerPort;
        return `127.0.0.1:${port}`;
      });
      // prometheus-operator's target labels: `job` is the Service's name (the alert rules match on it).
      const labels = { job: svc.metadata.name, namespace: svc.metadata.namespace ?? "", service: svc.metadata.name, endpoint: ep.port };
      return { job_name: `serviceMonitor/${m.metadata.namespace}/${m.metadata.name}/${ep.port}`, honor_labels: ep.honorLabels ?? false, metrics_path: ep.path ?? "/metrics", static_configs: [{ targets, labels }] };
    }));
  });
}

void describe("helm install on a local node: operator, migrations hook and jobs as real pods", { skip: (process.env.TEST_UNIT_ONLY === "1" || process.getuid?.() !== 0) && "needs the control plane, and root for the local node's mount namespaces" }, () => {
  let cp: ControlPlane;
  let db: NativePostgres;
  let node: LocalNode;
  let admin: KubeClient;
  let pool: pg.Pool;
  let metricsPort: number;
  let image: LocalImage;

  const helm = async (args: string[]) => {
    try {
      return (await run(join(cp.binDir, "helm"), args, { env: { ...process.env, KUBECONFIG: cp.kubeconfigPath }, maxBuffer: 16 << 20 })).stdout;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`helm ${args[0]} failed: ${e.stderr ?? e.message}\n${await diagnostics()}`, { cause: err });
    }
  };

  /** Pods and the tail of every container's output, for a failure message. */
  const diagnostics = async () => {
    const lines = [cp.kubectl(["get", "pods", "-A", "-o", "wide"])];
    for (const pod of (await admin.list<V1Pod>(RESOURCES.pod, NS)).items) {
      for (const c of [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers]) {
        const out = (await node.logs(NS, pod.metadata!.name!, c.name)).split("\n").slice(-15).join("\n");
        lines.push(`--- ${pod.metadata!.name}/${c.name}\n${out}`);
      }
    }
    return lines.join("\n");
  };

  before(async () => {
    [cp, db] = await Promise.all([startControlPlane({ workloads: true }), startNativePostgres()]);
    admin = new KubeClient(cp.kubeConfig, { qps: 1000, burst: 1000 });
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const url = new URL(db.url);
    cp.kubectl(["apply", "-f", "-"], [monitoringCrd("ServiceMonitor", "servicemonitors"), monitoringCrd("PrometheusRule", "prometheusrules")].map((c) => stringify(c)).join("---\n"));
    cp.kubectl(["create", "namespace", NS]);
    // What a CloudNativePG "<cluster>-app" Secret holds.
    cp.kubectl(["-n", NS, "create", "secret", "generic", "wearable-db-app",
      `--from-literal=host=${url.hostname}`, `--from-literal=port=${url.port}`, "--from-literal=dbname=postgres",
      `--from-literal=username=${url.username}`, `--from-literal=password=${url.password}`, `--from-literal=uri=${db.url}`]);
    image = await localImage();
    node = await startLocalNode({
      kubeConfig: cp.kubeConfig,
      images: (ref) => (ref === `${IMAGE}:${TAG}` ? image : undefined),
      // timescaledb-ha's shell, pg_isready and psql: this machine's.
      commands: { sh: ["/bin/sh"] },
    });
    const ports = await freePorts(2);
    metricsPort = ports[0]!;
    const outreachPort = ports[1]!;
    await helm(["install", RELEASE, join(repoRoot, "charts/wearable-pipeline"), "--namespace", NS, "--wait", "--timeout", process.env.E2E_HELM_TIMEOUT ?? "5m",
      "--set", `image.repository=${IMAGE}`, "--set", `image.tag=${TAG}`, "--set", "image.pullPolicy=Never",
      "--set", "database.mode=external", "--set", "database.external.secretName=wearable-db-app",
      "--set", `database.external.host=${url.hostname}`, "--set", `database.external.port=${url.port}`,
      "--set", "database.external.dbname=postgres", "--set", "database.external.sslMode=disable",
      // As hack/e2e-kind.sh tightens it: stale after 3.6 s, no `for`, so the alert test takes seconds.
      "--set-json", "monitoring.alerts.ingestStaleHours=0.001", "--set", "monitoring.alerts.forOverrides.WearableIngestStale=0s",
      "--set", "operator.replicaCount=1",
      "--set", `operator.metricsPort=${metricsPort}`, "--set", `outreach.port=${outreachPort}`]);
  });

  after(async () => {
    await node?.stop();
    await run("buildah", ["rm", "wearable-local-node"]).catch(() => {});
    await pool?.end();
    await Promise.all([cp?.stop(), db?.stop()]);
  });

  test("the install's pods ran: migrations hook (schema + read-only role), operator and outreach Ready", async () => {
    // Built from the Dockerfile: the non-root user the chart's pods expect, `wearable` as the entrypoint.
    assert.equal(image.user, "65532:65532");
    assert.deepEqual(image.entrypoint, ["wearable"]);
    assert.equal(image.workingDir, "/app");
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM schema_migrations");
    assert.ok(rows[0]!.n >= 5, `migrations applied by the hook: ${rows[0]!.n}`);
    const reader = JSON.parse(cp.kubectl(["-n", NS, "get", "secret", `${FULL}-db-reader`, "-o", "json"])) as { data: Record<string, string> };
    const user = Buffer.from(reader.data.username!, "base64").toString(), password = Buffer.from(reader.data.password!, "base64").toString();
    const url = new URL(db.url);
    url.username = user;
    url.password = password;
    const asReader = new pg.Client(url.toString());
    await asReader.connect();
    try {
      await asReader.query("SELECT count(*) FROM samples");
      await assert.rejects(asReader.query("DELETE FROM samples"), /read-only transaction|permission denied/);
    } finally {
      await asReader.end();
    }
    for (const component of ["operator", "outreach"]) {
      const pods = await admin.list<V1Pod>(RESOURCES.pod, NS, `app.kubernetes.io/component=${component}`);
      assert.equal(pods.items.length, 1, component);
      assert.equal(pods.items[0]!.status?.conditions?.find((c) => c.type === "Ready")?.status, "True", `${component} Ready`);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^leader_election_master_status\{name="[^"]+"\} 1$/m, "the operator pod leads (in-cluster token, chart RBAC)");
  });

  test("`hack/e2e-kind.sh demo-crs` (what `make demo-crs` runs): three demo Participants, reconciled by the operator pod, ingest in job pods as the chart's jobs account", async () => {
    // The kind script itself, against this control plane: kubectl apply of the
    // demo Participants, then `kubectl create job --from` for each CronJob.
    await run(join(repoRoot, "hack/e2e-kind.sh"), ["demo-crs"], {
      env: { ...process.env, PATH: `${cp.binDir}:${process.env.PATH}`, KUBECONFIG: cp.kubeconfigPath, WEARABLE_NAMESPACE: NS },
    });
    const jobs = await until("the three first-ingest Jobs to finish", async () => {
      const all = (await admin.list<V1Job>(RESOURCES.job, NS, "app.kubernetes.io/component=ingest")).items;
      const done = all.filter((j) => j.status?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True"));
      return all.length === 3 && done.length === 3 ? done : undefined;
    }, 240_000, 500);
    for (const job of jobs) {
      const [pod] = (await admin.list<V1Pod>(RESOURCES.pod, NS, `job-name=${job.metadata!.name}`)).items;
      assert.ok(job.status!.conditions!.some((c) => c.type === "Complete"), `${job.metadata!.name}: ${await node.logs(NS, pod!.metadata!.name!, "ingest")}`);
      assert.equal(pod!.spec!.serviceAccountName, `${FULL}-jobs`);
    }
    const { rows } = await pool.query<{ participant_id: string; n: number }>(
      "SELECT participant_id, count(*)::int AS n FROM samples WHERE participant_id LIKE 'DEMO%' GROUP BY 1 ORDER BY 1");
    assert.deepEqual(rows.map((r) => r.participant_id), ["DEMO001", "DEMO002", "DEMO003"]);
    for (const r of rows) assert.ok(r.n > 50_000, `14 days backfilled for ${r.participant_id}: ${r.n} samples`);
    for (const name of ["demo-p001", "demo-p002", "demo-p003"]) {
      const pt = await until(`the operator pod to report ${name}'s ingest`, async () => {
        const p = await admin.get<Pt>(RESOURCES.participant, NS, name);
        return p.status?.lastSuccessfulIngestTime ? p : undefined;
      }, 60_000, 250);
      assert.equal(pt.status!.conditions!.find((c) => c.type === "Ready")?.status, "True", `${name}: ${JSON.stringify(pt.status)}`);
      assert.ok((pt.status!.lastIngest!.rowsWritten ?? 0) > 50_000);
    }
  });

  test("helm upgrade rolls the operator pod and re-runs the migrations hook; the new pod leads", async () => {
    const before = (await admin.list<V1Pod>(RESOURCES.pod, NS, "app.kubernetes.io/component=operator")).items.map((p) => p.metadata!.name);
    await helm(["upgrade", RELEASE, join(repoRoot, "charts/wearable-pipeline"), "--namespace", NS, "--reuse-values", "--wait", "--timeout", "3m", "--set", "operator.logLevel=debug"]);
    const pods = (await admin.list<V1Pod>(RESOURCES.pod, NS, "app.kubernetes.io/component=operator")).items.filter((p) => !p.metadata!.deletionTimestamp);
    assert.equal(pods.length, 1);
    assert.ok(!before.includes(pods[0]!.metadata!.name), "a new operator pod replaced the old one");
    assert.equal(pods[0]!.spec!.containers[0]!.env!.find((e) => e.name === "LOG_LEVEL")?.value, "debug");
    await until("the new operator pod to lead", async () => /^leader_election_master_status\{name="[^"]+"\} 1$/m.test(
      await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()), 60_000, 250);
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'grafana_reader'");
    assert.equal(rows[0]!.n, 1, "the hook's db-roles step is idempotent");
  });
  test("monitoring: every ServiceMonitor target is up in a real Prometheus, and WearableIngestStale for a suspended participant reaches Alertmanager's webhook", async () => {
    const sink = await startWebhookSink();
    let alertmanager: Server | undefined, prometheus: Server | undefined;
    try {
      alertmanager = await startAlertmanager(stringify({
        route: { receiver: "webhook", group_by: ["alertname", "participant"], group_wait: "1s", group_interval: "1s", repeat_interval: "1h" },
        receivers: [{ name: "webhook", webhook_configs: [{ url: sink.url, send_resolved: false }] }],
      }));
      const list = (resource: string) => (JSON.parse(cp.kubectl(["-n", NS, "get", resource, "-o", "json"])) as { items: K8sObject[] }).items;
      const scrape = scrapeConfigs(list("servicemonitors"), list("services"), list("pods") as unknown as V1Pod[]);
      const rules = list("prometheusrules").flatMap((r) => (r.spec as { groups: unknown[] }).groups);
      assert.ok(scrape.length >= 2 && rules.length >= 1, `scrape jobs ${scrape.map((j) => j.job_name).join(", ")}; rule groups ${rules.length}`);
      prometheus = await startPrometheus(stringify({
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: ["rules.yaml"],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager.url.replace("http://", "")] }] }] },
        scrape_configs: scrape,
      }), { "rules.yaml": stringify({ groups: rules }) });
      const prom = prometheus;
      await until("every scrape target up", async () => {
        const targets = (await (await fetch(`${prom.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; scrapePool: string }> } };
        const active = targets.data.activeTargets;
        return active.length === scrape.length && active.every((t) => t.health === "up") ? active : undefined;
      }, 60_000, 500);
      // As hack/e2e-kind.sh does: a participant that never ingests goes stale.
      await admin.create(RESOURCES.participant, NS, {
        apiVersion: "wearables.dev/v1alpha1", kind: "Participant", metadata: { name: "e2e-stale" },
        spec: { participantId: "E2ESTALE", source: { synthetic: { seed: 99, profile: "compliant" } }, suspend: true },
      });
      const alert = await until("WearableIngestStale for e2e-stale at the webhook", () =>
        sink.alerts.find((a) => a.labels.alertname === "WearableIngestStale" && a.labels.participant === "e2e-stale" && a.status === "firing"), 120_000, 500);
      assert.equal(alert.labels.namespace, NS);
      assert.match(alert.annotations.description ?? "", /Participant e2e-stale in namespace wearables/);
    } finally {
      await prometheus?.stop();
      await alertmanager?.stop();
      await sink.close();
    }
  });
});
