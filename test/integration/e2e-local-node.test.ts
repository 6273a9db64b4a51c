// The pipeline end to end on this machine, the way `make e2e-kind` runs it on
// kind, minus the container runtime: a Participant → the operator (chart RBAC)
// → its CronJob → a Job (`kubectl create job --from`, as `make demo-crs`
// does) → kube-controller-manager's Job controller makes the Pod → the local
// node (test/harness/local-node.ts) runs the pod's own containers — the
// migrate init container, then `wearable ingest` — as uid 65532 with a
// read-only root filesystem, env from the real Secret → samples land in
// PostgreSQL → the termination message goes back through the Pod and Job to
// the Participant's status. A wrong database password takes the same road
// and must come back as a failed condition that names the cause.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import pg from "pg";
import { jobSettingsSchema } from "../../operator/src/runtime/config.ts";
import { RESOURCES } from "../../operator/src/runtime/kube-client.ts";
import type { Manager } from "../../operator/src/runtime/manager.ts";
import { startLocalNode, type LocalNode } from "../harness/local-node.ts";
import { startNativePostgres, type NativePostgres } from "../harness/postgres.ts";
import { createNamespace, repoRoot, startManager, startOperatorEnv, until, type OperatorEnv } from "./operator-env.ts";

const NS = "study";
const BROKEN_NS = "study-broken";

interface Pt {
  status?: {
    conditions?: Array<{ type: string; status: string; reason: string; message: string; observedGeneration?: number }>;
    lastSuccessfulIngestTime?: string;
    lastIngest?: { jobName: string; rowsWritten?: number; rowsRejected?: number; lastSampleTime?: string };
    adherence?: { windowDays: number; wearPercent: number; validDays: number };
    consecutiveIngestFailures?: number;
  };
}

const isRoot = process.getuid?.() === 0;

void describe("end to end on a local node: Participant → CronJob → Job → Pod → PostgreSQL → status", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let env: OperatorEnv;
  let db: NativePostgres;
  let op: Manager;
  let node: LocalNode;
  let pool: pg.Pool;

  const secret = (namespace: string, url: string) => env.cp.kubectl(["-n", namespace, "create", "secret", "generic", "wearable-db", `--from-literal=url=${url}`]);
  const participant = (namespace: string, name: string, participantId: string) => env.admin.create(RESOURCES.participant, namespace, {
    apiVersion: "wearables.dev/v1alpha1", kind: "Participant", metadata: { name },
    spec: { participantId, source: { synthetic: { seed: 7, profile: "compliant" } }, backfillDays: 2, timeZone: "Europe/Berlin" },
  });
  /** What `kubectl create job --from=cronjob/NAME` does. */
  const runNow = async (namespace: string, cronJob: string, job: string) => {
    await until(`CronJob ${namespace}/${cronJob}`, () => env.admin.get(RESOURCES.cronJob, namespace, cronJob), 30_000);
    env.cp.kubectl(["-n", namespace, "create", "job", `--from=cronjob/${cronJob}`, job]);
  };
  const jobEnded = (namespace: string, name: string) => until(`Job ${namespace}/${name} to finish`, async () => {
    const job = await env.admin.get<V1Job>(RESOURCES.job, namespace, name);
    return job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True") ? job : undefined;
  }, 180_000, 500);
  const podOf = async (namespace: string, job: string) => {
    const pods = await env.admin.list<V1Pod>(RESOURCES.pod, namespace, `job-name=${job}`);
    assert.equal(pods.items.length, 1, `one pod for Job ${job}`);
    return pods.items[0]!;
  };
  const getPt = (namespace: string, name: string) => env.admin.get<Pt>(RESOURCES.participant, namespace, name);

  before(async () => {
    [env, db] = await Promise.all([startOperatorEnv(), startNativePostgres()]);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    for (const ns of [NS, BROKEN_NS]) await createNamespace(env, ns);
    secret(NS, db.url);
    const wrong = new URL(db.url);
    wrong.password = "not-the-password";
    secret(BROKEN_NS, wrong.toString());
    // No retries: one failed pod fails the Job (the real default is 2).
    op = await startManager(env, { jobInit: "migrate", job: jobSettingsSchema.parse({ backoffLimit: 0 }) });
    node = await startLocalNode({
      kubeConfig: env.cp.kubeConfig,
      // What the image's PATH has (Dockerfile): `wearable` and a shell.
      commands: { wearable: [process.execPath, join(repoRoot, "bin/wearable.ts")], sh: ["/bin/sh"] },
      hostPaths: [repoRoot],
      accept: (pod) => [NS, BROKEN_NS].includes(pod.metadata!.namespace!),
    });
  });

  after(async () => {
    await node?.stop();
    await op?.stop();
    await pool?.end();
    await Promise.all([env?.cp.stop(), db?.stop()]);
  });

  test("the local node gives a pod what a kubelet would: its uid, a read-only root, a writable emptyDir, the termination message", { skip: !isRoot && "needs root for mount namespaces and setpriv" }, async () => {
    await env.admin.create<V1Pod>(RESOURCES.pod, NS, {
      metadata: { name: "sandbox-check" },
      spec: {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true },
        containers: [{
          name: "check", image: "example/shell", command: ["sh", "-c"],
          args: ["touch /tmp/ok && echo \"uid=$(id -u) tmp=ok\" > \"$MSG\"; touch /etc/wearable-e2e 2>>\"$MSG\" || true"],
          env: [{ name: "MSG", value: "/dev/termination-log" }],
          securityContext: { readOnlyRootFilesystem: true },
          terminationMessagePath: "/dev/termination-log",
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        }],
        volumes: [{ name: "tmp", emptyDir: {} }],
      },
    });
    const pod = await until("the sandbox pod to finish", async () => {
      const p = await env.admin.get<V1Pod>(RESOURCES.pod, NS, "sandbox-check");
      return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
    }, 30_000, 200);
    const message = pod.status!.containerStatuses![0]!.state!.terminated!.message ?? "";
    assert.equal(pod.status!.phase, "Succeeded", message);
    assert.match(message, /^uid=65532 tmp=ok$/m);
    assert.match(message, /Read-only file system/);
  });

  test("a synthetic participant's first ingest runs in its pod, fills PostgreSQL and its status", async (t) => {
    await participant(NS, "p001", "E2E001");
    await runNow(NS, "p001-ingest", "p001-ingest-now");
    const job = await jobEnded(NS, "p001-ingest-now");
    const pod = await podOf(NS, "p001-ingest-now");
    const logs = await node.logs(NS, pod.metadata!.name!, "ingest");
    assert.ok(job.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"), `Job completed; pod ${pod.status?.phase}; ingest log:\n${logs.slice(-2000)}`);
    assert.deepEqual(pod.status!.initContainerStatuses!.map((s) => [s.name, s.state?.terminated?.exitCode]), [["migrate", 0]]);
    const terminated = pod.status!.containerStatuses![0]!.state!.terminated!;
    const summary = JSON.parse(terminated.message!) as { kind: string; participantId: string; rowsWritten: number; rowsRejected: number };
    assert.equal(summary.kind, "ingest");
    assert.equal(summary.participantId, "E2E001");

    const { rows: [stored] } = await pool.query<{ samples: number; sleep: number }>(
      `SELECT (SELECT count(*) FROM samples WHERE participant_id = 'E2E001')::int AS samples,
              (SELECT count(*) FROM sleep_sessions WHERE participant_id = 'E2E001')::int AS sleep`);
    assert.ok(stored!.samples > 10_000, `2 days of synthetic data reached PostgreSQL: ${stored!.samples} samples`);
    assert.equal(stored!.samples + stored!.sleep, summary.rowsWritten, "every row the job reports written is stored, once");

    const pt = await until("p001 status from the Job's termination message", async () => {
      const p = await getPt(NS, "p001");
      return p.status?.lastIngest?.jobName === "p001-ingest-now" && p.status.lastSuccessfulIngestTime ? p : undefined;
    }, 30_000);
    assert.equal(pt.status!.lastIngest!.rowsWritten, summary.rowsWritten);
    t.diagnostic(`ingest pod: ${stored!.samples} samples + ${stored!.sleep} sleep sessions; status.adherence ${JSON.stringify(pt.status!.adherence)}`);
    assert.equal(pt.status!.consecutiveIngestFailures, 0);
    assert.ok(pt.status!.adherence && pt.status!.adherence.windowDays === 7);
    const ready = pt.status!.conditions!.find((c) => c.type === "Ready");
    assert.equal(ready?.status, "True", JSON.stringify(pt.status!.conditions));
  });

  test("an ImputationRun becomes a Job whose pod fills the gaps it reports, stored apart from raw samples", async (t) => {
    await env.admin.create(RESOURCES.imputationRun, NS, {
      apiVersion: "wearables.dev/v1alpha1", kind: "ImputationRun", metadata: { name: "p001-hr" },
      spec: { participantRef: { name: "p001" }, metric: "heart_rate", lookback: "3d", method: "linear" },
    });
    const ir = await until("p001-hr to finish", async () => {
      const r = await env.admin.get<{ status?: { phase?: string; jobName?: string; gapsFound?: number; gapsFilled?: number; pointsImputed?: number; message?: string } }>(RESOURCES.imputationRun, NS, "p001-hr");
      return r.status?.phase === "Succeeded" || r.status?.phase === "Failed" ? r : undefined;
    }, 180_000, 500);
    const pod = await podOf(NS, ir.status!.jobName!);
    assert.equal(ir.status!.phase, "Succeeded", `${ir.status!.message ?? ""}\n${(await node.logs(NS, pod.metadata!.name!, "impute")).slice(-2000)}`);
    const { rows: [imputed] } = await pool.query<{ n: number; raw_overlap: number }>(
      `SELECT count(*)::int AS n,
              (SELECT count(*) FROM imputed_samples i JOIN samples s USING (participant_id, metric, ts)
                WHERE i.participant_id = 'E2E001')::int AS raw_overlap
         FROM imputed_samples WHERE participant_id = 'E2E001' AND metric = 'heart_rate'`);
    assert.ok(ir.status!.pointsImputed! > 0, `the synthetic dropouts were filled: ${JSON.stringify(ir.status)}`);
    assert.equal(imputed!.n, ir.status!.pointsImputed, "the points the run reports are the points stored");
    assert.equal(imputed!.raw_overlap, 0, "no imputed point shadows a raw one");
    t.diagnostic(`impute pod: ${JSON.stringify(ir.status)}`);
  });

  test("the participant's own imputation CronJob: its Job's pod runs `wearable impute`; the result lands in status.lastImputation and the metrics", async (t) => {
    await env.admin.mergePatch(RESOURCES.participant, NS, "p001", { spec: { imputation: { lookback: "3d", metrics: [{ metric: "heart_rate", method: "linear" }, { metric: "steps" }] } } });
    await runNow(NS, "p001-impute", "p001-impute-now");
    const job = await jobEnded(NS, "p001-impute-now");
    const pod = await podOf(NS, "p001-impute-now");
    assert.ok(job.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"), await node.logs(NS, pod.metadata!.name!, pod.spec!.containers[0]!.name));
    const pt = await until("p001 status.lastImputation", async () => {
      const p = await env.admin.get<Pt & { status?: { lastImputation?: { jobName: string; result: string; pointsImputed?: number; gapsFound?: number } } }>(RESOURCES.participant, NS, "p001");
      return p.status?.lastImputation?.jobName === "p001-impute-now" ? p : undefined;
    }, 30_000);
    const last = pt.status!.lastImputation!;
    assert.equal(last.result, "Succeeded");
    assert.ok((last.pointsImputed ?? 0) > 0 && (last.gapsFound ?? 0) >= 1, JSON.stringify(last));
    const metrics = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
    assert.match(metrics, /^wearable_participant_imputation_failed\{namespace="study",participant="p001"\} 0$/m);
    t.diagnostic(`participant imputation: ${JSON.stringify(last)}`);
  });

  test("a wrong database password fails the run, and the Participant says why", async (t) => {
    await participant(BROKEN_NS, "p002", "E2E002");
    await runNow(BROKEN_NS, "p002-ingest", "p002-ingest-now");
    const job = await jobEnded(BROKEN_NS, "p002-ingest-now");
    assert.ok(job.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True"));
    const pod = await podOf(BROKEN_NS, "p002-ingest-now");
    assert.equal(pod.status!.phase, "Failed");
    assert.notEqual(pod.status!.initContainerStatuses![0]!.state!.terminated!.exitCode, 0, "the migrate step failed first");

    const pt = await until("p002 to report the failure", async () => {
      const p = await getPt(BROKEN_NS, "p002");
      return (p.status?.consecutiveIngestFailures ?? 0) > 0 ? p : undefined;
    }, 30_000);
    const ready = pt.status!.conditions!.find((c) => c.type === "Ready")!;
    assert.equal(ready.status, "False");
    assert.equal(ready.reason, "IngestFailed");
    // The job's own one-line reason, from the migrate step's termination message: no log tail, no stack.
    assert.match(ready.message, /could not connect to the database at 127\.0\.0\.1:\d+\/postgres: password authentication failed for user "postgres"; check DATABASE_URL/);
    assert.doesNotMatch(ready.message, /\n\s+at /);
    t.diagnostic(`Ready=False: ${ready.message}`);
    const { rows: [n] } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM samples WHERE participant_id = 'E2E002'");
    assert.equal(n!.n, 0);
  });
});
