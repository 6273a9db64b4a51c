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
// This is `make deploy && make demo-crs && make e2e-kind` without Docker: the
// database is native PostgreSQL in the chart's external mode (the
// timescaledb-ha image cannot run here), monitoring is off (no
// kube-prometheus-stack), and the operator runs one replica (pods share this
// machine's network, so two would share a metrics port).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import pg from "pg";
import { freePorts } from "../../jobs/db/embedded.ts";
import { KubeClient, RESOURCES } from "../../operator/src/runtime/kube-client.ts";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { startLocalNode, type LocalNode } from "../harness/local-node.ts";
import { startNativePostgres, type NativePostgres } from "../harness/postgres.ts";
import { until } from "./operator-env.ts";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../..");
const NS = "wearables";
const RELEASE = "wp";
const FULL = `${RELEASE}-wearable-pipeline`;
const IMAGE = "ghcr.io/wearable-pipeline/wearable";

interface Pt {
  status?: {
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
    lastIngest?: { jobName: string; rowsWritten?: number };
    lastSuccessfulIngestTime?: string;
  };
}

void describe("helm install on a local node: operator, migrations hook and jobs as real pods", { skip: (process.env.TEST_UNIT_ONLY === "1" || process.getuid?.() !== 0) && "needs the control plane, and root for the local node's mount namespaces" }, () => {
  let cp: ControlPlane;
  let db: NativePostgres;
  let node: LocalNode;
  let admin: KubeClient;
  let pool: pg.Pool;
  let metricsPort: number;

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
    cp.kubectl(["create", "namespace", NS]);
    // What a CloudNativePG "<cluster>-app" Secret holds.
    cp.kubectl(["-n", NS, "create", "secret", "generic", "wearable-db-app",
      `--from-literal=host=${url.hostname}`, `--from-literal=port=${url.port}`, "--from-literal=dbname=postgres",
      `--from-literal=username=${url.username}`, `--from-literal=password=${url.password}`, `--from-literal=uri=${db.url}`]);
    node = await startLocalNode({
      kubeConfig: cp.kubeConfig,
      // What the images' PATHs hold: our image's `wearable`, and the shell, pg_isready and psql of timescaledb-ha.
      commands: { wearable: [process.execPath, join(repoRoot, "bin/wearable.ts")], sh: ["/bin/sh"] },
      imageEntrypoint: (image) => (image.startsWith(`${IMAGE}:`) ? ["wearable"] : undefined),
    });
    const ports = await freePorts(2);
    metricsPort = ports[0]!;
    const outreachPort = ports[1]!;
    await helm(["install", RELEASE, join(repoRoot, "charts/wearable-pipeline"), "--namespace", NS, "--wait", "--timeout", process.env.E2E_HELM_TIMEOUT ?? "5m",
      "--set", `image.repository=${IMAGE}`, "--set", "image.tag=e2e",
      "--set", "database.mode=external", "--set", "database.external.secretName=wearable-db-app",
      "--set", `database.external.host=${url.hostname}`, "--set", `database.external.port=${url.port}`,
      "--set", "database.external.dbname=postgres", "--set", "database.external.sslMode=disable",
      "--set", "monitoring.enabled=false", "--set", "operator.replicaCount=1",
      "--set", `operator.metricsPort=${metricsPort}`, "--set", `outreach.port=${outreachPort}`]);
  });

  after(async () => {
    await node?.stop();
    await pool?.end();
    await Promise.all([cp?.stop(), db?.stop()]);
  });

  test("the install's pods ran: migrations hook (schema + read-only role), operator and outreach Ready", async () => {
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
});
