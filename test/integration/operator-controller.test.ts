// The operator against a real API server and kube-controller-manager, under
// the chart's RBAC: owned objects and status through create, update,
// suspend and delete; Job outcomes in status; ImputationRuns; garbage
// collection; the erase-data finalizer against a real PostgreSQL with the
// data plane's schema; zero write requests on a no-op resync; metrics.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { V1CronJob, V1Job, V1Pod } from "@kubernetes/client-node";
import { RESOURCES, isNotFound } from "../../operator/src/runtime/kube-client.ts";
import type { Manager } from "../../operator/src/runtime/manager.ts";
import { createEraser } from "../../operator/src/runtime/participant-data.ts";
import { migrate } from "../../jobs/db/index.ts";
import { startNativePostgres, type NativePostgres } from "../harness/postgres.ts";
import { createNamespace, startManager, startOperatorEnv, until, type OperatorEnv } from "./operator-env.ts";

const NS = "study-a";
type Cond = { type: string; status: string; reason: string; observedGeneration?: number; message: string };
type Pt = { metadata: { name: string; generation: number; finalizers?: string[]; uid: string }; status?: Record<string, unknown> & { conditions?: Cond[]; adherence?: { wearPercent: number }; consecutiveIngestFailures?: number } };

describe("operator controllers on a real API server", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let env: OperatorEnv;
  let op: Manager;
  let db: NativePostgres;
  let pool: pg.Pool;

  const getPt = (name: string) => env.admin.get<Pt>(RESOURCES.participant, NS, name);
  const getCron = (name: string) => env.admin.get<V1CronJob>(RESOURCES.cronJob, NS, name);
  const cond = (p: Pt, type: string) => p.status?.conditions?.find((c) => c.type === type);
  const createPt = (name: string, spec: Record<string, unknown>) => env.admin.create(RESOURCES.participant, NS, {
    apiVersion: "wearables.dev/v1alpha1", kind: "Participant", metadata: { name }, spec: { source: { synthetic: { seed: 1 } }, ...spec },
  });
  const patchPt = (name: string, spec: Record<string, unknown>) => env.admin.mergePatch(RESOURCES.participant, NS, name, { spec });

  /** What a kubelet would do: a Pod of the Job that terminated with `message`, then the Job's terminal status. */
  async function finishJob(job: V1Job, ok: boolean, message: string, at: Date) {
    const name = job.metadata!.name!;
    const tmpl = job.spec!.template;
    const pod = await env.admin.create<V1Pod>(RESOURCES.pod, NS, {
      metadata: { name: `${name}-pod`, labels: tmpl.metadata?.labels, ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name, uid: job.metadata!.uid!, controller: true }] },
      spec: { ...tmpl.spec, initContainers: undefined },
    });
    const iso = at.toISOString().replace(/\.\d{3}Z$/, "Z");
    const container = tmpl.spec!.containers[0]!.name;
    await env.admin.mergePatch(RESOURCES.pod, NS, pod.metadata!.name!, { status: {
      phase: ok ? "Succeeded" : "Failed",
      containerStatuses: [{ name: container, image: tmpl.spec!.containers[0]!.image, imageID: "", ready: false, restartCount: 0,
        state: { terminated: { exitCode: ok ? 0 : 1, reason: ok ? "Completed" : "Error", message, startedAt: iso, finishedAt: iso } } }],
    } }, "status");
    // Keep a startTime the Job controller already set (it may not change); otherwise one minute before the end.
    const live = await env.admin.get<V1Job>(RESOURCES.job, NS, name);
    const start = live.status?.startTime ? String(live.status.startTime) : new Date(at.getTime() - 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const conditions = ok
      ? [{ type: "SuccessCriteriaMet", status: "True", lastTransitionTime: iso, lastProbeTime: iso, reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
        { type: "Complete", status: "True", lastTransitionTime: iso, lastProbeTime: iso, reason: "CompletionsReached", message: "Reached expected number of succeeded pods" }]
      : [{ type: "FailureTarget", status: "True", lastTransitionTime: iso, lastProbeTime: iso, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" },
        { type: "Failed", status: "True", lastTransitionTime: iso, lastProbeTime: iso, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }];
    await env.admin.mergePatch(RESOURCES.job, NS, name, { status: {
      startTime: start, active: 0, ready: 0, ...(ok ? { completionTime: iso, succeeded: 1 } : { failed: 1 }), conditions,
    } }, "status");
  }

  /** A Job of a CronJob, as `kubectl create job --from=cronjob/...` makes it. managedBy keeps the built-in Job controller out: the test plays kubelet. */
  async function jobFromCron(cron: V1CronJob, name: string): Promise<V1Job> {
    return env.admin.create<V1Job>(RESOURCES.job, NS, {
      metadata: { name, labels: cron.spec!.jobTemplate.metadata?.labels, ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cron.metadata!.name!, uid: cron.metadata!.uid!, controller: true }] },
      spec: { ...cron.spec!.jobTemplate.spec, managedBy: "wearables.dev/test-kubelet" },
    });
  }

  before(async () => {
    [env, db] = await Promise.all([startOperatorEnv(), startNativePostgres()]);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migrate(pool);
    await createNamespace(env, NS);
    op = await startManager(env, { resyncMs: 3_600_000 }, createEraser(pool));
  });

  after(async () => {
    await op?.stop();
    await pool?.end();
    await Promise.all([env?.cp.stop(), db?.stop()]);
  });

  test("create: owned ingest CronJob and a Ready status with observedGeneration", async () => {
    await createPt("p001", { participantId: "P001" });
    const cron = await until("ingest CronJob", () => getCron("p001-ingest"));
    const pt = await until("Ready status", async () => { const p = await getPt("p001"); return cond(p, "Ready")?.status === "True" && p; });
    assert.equal(cron.metadata?.ownerReferences?.[0]?.uid, pt.metadata.uid);
    assert.equal(cron.spec?.concurrencyPolicy, "Forbid");
    assert.match(cron.spec!.schedule, /^\d+ [0-5]\/6 \* \* \*$/);
    assert.equal(pt.status?.schedule, cron.spec?.schedule);
    assert.equal(pt.status?.observedGeneration, 1);
    assert.equal(cond(pt, "Scheduled")?.status, "True");
    assert.equal(cond(pt, "IngestHealthy")?.reason, "NoIngestYet");
    assert.equal(cond(pt, "Ready")?.observedGeneration, 1);
    // The server applied the CRD defaults the builder relied on.
    assert.deepEqual(cron.spec?.jobTemplate.spec?.template.spec?.containers[0]?.args?.slice(-6), ["--metrics", "heart_rate,steps,sleep", "--backfill-days", "30", "--time-zone", "UTC"]);
  });

  test("update: a new schedule and time zone reach the CronJob; observedGeneration follows", async () => {
    await patchPt("p001", { schedule: "15 2 * * *", timeZone: "Europe/Berlin" });
    await until("updated CronJob", async () => { const c = await getCron("p001-ingest"); return c.spec?.schedule === "15 2 * * *" && c.spec.timeZone === "Europe/Berlin"; });
    const pt = await until("observedGeneration 2", async () => { const p = await getPt("p001"); return p.status?.observedGeneration === 2 && p; });
    assert.equal(pt.metadata.generation, 2);
    assert.equal(cond(pt, "Ready")?.observedGeneration, 2);
  });

  test("an invalid time zone the CRD pattern lets through is reported in status, not retried in a loop", async () => {
    await patchPt("p001", { timeZone: "Mars/Olympus_Mons" });
    const pt = await until("ApplyFailed", async () => { const p = await getPt("p001"); return cond(p, "Ready")?.reason === "ApplyFailed" && p; });
    assert.match(cond(pt, "Ready")!.message, /timeZone|time zone/i);
    assert.equal(cond(pt, "Scheduled")?.status, "False");
    await patchPt("p001", { timeZone: "Europe/Berlin" });
    await until("Ready again", async () => cond(await getPt("p001"), "Ready")?.status === "True");
  });

  test("suspend: the CronJob is suspended and Scheduled says why", async () => {
    await patchPt("p001", { suspend: true });
    await until("suspended CronJob", async () => (await getCron("p001-ingest")).spec?.suspend === true);
    const pt = await until("Scheduled=False Suspended", async () => { const p = await getPt("p001"); return cond(p, "Scheduled")?.reason === "Suspended" && p; });
    assert.equal(cond(pt, "Scheduled")?.status, "False");
    await patchPt("p001", { suspend: false });
    await until("resumed CronJob", async () => (await getCron("p001-ingest")).spec?.suspend === false);
  });

  test("imputation: the CronJob appears when configured and goes when removed", async () => {
    await patchPt("p001", { imputation: { metrics: [{ metric: "heart_rate" }, { metric: "steps", method: "locf" }] } });
    const cron = await until("impute CronJob", () => getCron("p001-impute"));
    assert.deepEqual(cron.spec?.jobTemplate.spec?.template.spec?.containers.map((c) => c.name), ["impute-steps"]);
    await patchPt("p001", { imputation: null });
    await until("impute CronJob deleted", async () => { try { await getCron("p001-impute"); return false; } catch (err) { return isNotFound(err); } });
  });

  test("Job success and failure are reflected in status, with adherence from the termination message", async () => {
    const cron = await getCron("p001-ingest");
    const t1 = new Date(Date.now() - 3_600_000);
    const summary = { kind: "ingest", participantId: "P001", rowsWritten: 20160, rowsRejected: 3, lastSampleTime: t1.toISOString(), adherence: { windowDays: 7, wearPercent: 83.27, validDays: 6 } };
    await finishJob(await jobFromCron(cron, "p001-ingest-manual-1"), true, `some log line\n${JSON.stringify(summary)}`, t1);
    let pt = await until("successful ingest in status", async () => { const p = await getPt("p001"); return p.status?.lastSuccessfulIngestTime ? p : undefined; });
    assert.equal(pt.status?.lastSuccessfulIngestTime, t1.toISOString().replace(/\.\d{3}Z$/, "Z"));
    assert.deepEqual(pt.status?.adherence, { windowDays: 7, wearPercent: 83.3, validDays: 6, reportedAt: pt.status?.lastSuccessfulIngestTime });
    assert.deepEqual(pt.status?.lastIngest, { jobName: "p001-ingest-manual-1", rowsWritten: 20160, rowsRejected: 3, lastSampleTime: summary.lastSampleTime });
    assert.equal(cond(pt, "IngestHealthy")?.status, "True");

    const t2 = new Date(Date.now() - 60_000);
    await finishJob(await jobFromCron(cron, "p001-ingest-manual-2"), false, "Error: invalid_grant: the refresh token was revoked; re-consent the participant", t2);
    pt = await until("failed ingest in status", async () => { const p = await getPt("p001"); return cond(p, "IngestHealthy")?.status === "False" && p; });
    assert.equal(pt.status?.consecutiveIngestFailures, 1);
    assert.equal(pt.status?.lastFailedIngestTime, t2.toISOString().replace(/\.\d{3}Z$/, "Z"));
    assert.equal(cond(pt, "Ready")?.status, "False");
    assert.match(cond(pt, "Ready")!.message, /refresh token was revoked/);
    assert.equal(pt.status?.adherence?.wearPercent, 83.3, "adherence stays from the last successful run");
    const events = await until("IngestFailed Event", async () => {
      const list = await env.admin.list<{ reason: string; involvedObject: { name: string } }>(RESOURCES.event, NS);
      return list.items.some((e) => e.reason === "IngestFailed" && e.involvedObject.name === "p001") && list.items;
    });
    assert.ok(events.some((e) => e.reason === "Created" && e.involvedObject.name === "p001"), "Created Event for the CronJob");
  });

  test("ImputationRun: one-shot Job, counts from its termination message; missing Participant reported; scheduled CronJob", async () => {
    const create = (name: string, spec: Record<string, unknown>) => env.admin.create(RESOURCES.imputationRun, NS, { apiVersion: "wearables.dev/v1alpha1", kind: "ImputationRun", metadata: { name }, spec });
    type Ir = { status?: { phase?: string; jobName?: string; pointsImputed?: number; gapsFound?: number; message?: string; conditions?: Cond[] } };
    const getIr = (name: string) => env.admin.get<Ir>(RESOURCES.imputationRun, NS, name);

    await create("orphan", { participantRef: { name: "nobody" }, metric: "heart_rate", lookback: "7d" });
    const orphan = await until("Pending orphan", async () => { const r = await getIr("orphan"); return r.status?.phase === "Pending" && r; });
    assert.match(orphan.status!.message!, /Participant nobody not found/);

    await create("p001-hr", { participantRef: { name: "p001" }, metric: "heart_rate", from: "2025-11-01T00:00:00Z", to: "2025-11-08T00:00:00Z" });
    const ir = await until("Job named in status", async () => { const r = await getIr("p001-hr"); return r.status?.jobName ? r : undefined; });
    const job = await env.admin.get<V1Job>(RESOURCES.job, NS, ir.status!.jobName!);
    assert.deepEqual(job.spec?.template.spec?.containers[0]?.args?.slice(0, 5), ["impute", "--participant", "P001", "--metric", "heart_rate"]);
    await finishJob(job, true, JSON.stringify({ kind: "impute", gapsFound: 12, gapsFilled: 9, gapsSkipped: 3, pointsImputed: 211 }), new Date());
    const done = await until("Succeeded", async () => { const r = await getIr("p001-hr"); return r.status?.phase === "Succeeded" && r; });
    assert.equal(done.status?.pointsImputed, 211);
    assert.equal(done.status?.gapsFound, 12);

    await create("p001-nightly", { participantRef: { name: "p001" }, metric: "steps", lookback: "2d", schedule: "30 4 * * *" });
    const cron = await until("IR CronJob", () => getCron("p001-nightly-ir"));
    assert.equal(cron.spec?.timeZone, "Europe/Berlin", "time zone from the Participant");
    await until("Scheduled phase", async () => (await getIr("p001-nightly")).status?.phase === "Scheduled");
  });

  test("a no-op resync makes zero write requests", async () => {
    await sleep(1500); // let events of the previous tests settle
    const before = op.client.writeCount((r) => r !== "leases" && r !== "events");
    const countsBefore = new Map(op.client.counts);
    for (let i = 0; i < 3; i++) {
      op.resyncAll();
      await until("queues drained", () => op.queues.participant.length === 0 && op.queues.imputationRun.length === 0, 10_000, 20);
      await sleep(300);
    }
    const reconciles = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
    assert.match(reconciles, /controller_runtime_reconcile_total\{controller="participant",result="success"\} \d+/);
    assert.equal(op.client.writeCount((r) => r !== "leases" && r !== "events") - before, 0, `requests during resync: ${JSON.stringify([...op.client.counts].map(([k, v]) => [k, v - (countsBefore.get(k) ?? 0)]).filter(([, v]) => Number(v) > 0))}`);
  });

  test("metrics, health and readiness endpoints", async () => {
    const base = `http://127.0.0.1:${op.metricsPort}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of ["controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total", "controller_runtime_reconcile_time_seconds_bucket",
      "workqueue_depth", "workqueue_adds_total", "workqueue_retries_total", "workqueue_queue_duration_seconds_bucket", "workqueue_work_duration_seconds_bucket",
      "workqueue_unfinished_work_seconds", "workqueue_longest_running_processor_seconds", "leader_election_master_status",
      "wearable_participants", "wearable_participant_last_successful_ingest_timestamp_seconds", "wearable_participant_seconds_since_last_successful_ingest",
      "wearable_participant_consecutive_ingest_failures", "wearable_participant_wear_ratio_7d", "wearable_imputationrun_failed"]) {
      assert.match(text, new RegExp(`^${name}[{ ]`, "m"), name);
    }
    assert.match(text, /^wearable_participant_wear_ratio_7d\{namespace="study-a",participant="p001"\} 0\.833$/m);
    assert.match(text, /^wearable_participant_consecutive_ingest_failures\{namespace="study-a",participant="p001"\} 1$/m);
    assert.match(text, /^wearable_participants\{condition="Ready",status="False"\} 1$/m);
    assert.match(text, /^leader_election_master_status\{name="wearable-operator"\} 1$/m);
  });

  test("delete with dataPolicy Retain: kube-controller-manager garbage-collects the owned CronJob, rows stay", async () => {
    await createPt("p002", { participantId: "P002" });
    await until("p002 CronJob", () => getCron("p002-ingest"));
    await pool.query("INSERT INTO samples (participant_id, metric, ts, value) VALUES ('P002', 'heart_rate', now(), 61)");
    const pt = await getPt("p002");
    assert.deepEqual(pt.metadata.finalizers ?? [], [], "no finalizer with Retain");
    await env.admin.delete(RESOURCES.participant, NS, "p002");
    await until("CronJob garbage-collected", async () => { try { await getCron("p002-ingest"); return false; } catch (err) { return isNotFound(err); } }, 60_000, 250);
    assert.equal((await pool.query("SELECT count(*)::int AS n FROM samples WHERE participant_id = 'P002'")).rows[0].n, 1);
  });

  test("dataPolicy Delete: the finalizer erases exactly this participant's rows, then lets the object go", async () => {
    await createPt("p003", { participantId: "P003", dataPolicy: "Delete" });
    await until("finalizer added", async () => (await getPt("p003")).metadata.finalizers?.includes("wearables.dev/erase-data"));
    for (const id of ["P003", "P004"]) {
      await pool.query("INSERT INTO participants (participant_id) VALUES ($1)", [id]);
      await pool.query("INSERT INTO samples (participant_id, metric, ts, value) SELECT $1, 'heart_rate', t, 60 FROM generate_series(now() - interval '1 hour', now(), interval '1 minute') t", [id]);
      await pool.query("INSERT INTO imputed_samples (participant_id, metric, ts, value, method) VALUES ($1, 'heart_rate', now(), 60, 'linear')", [id]);
      await pool.query("INSERT INTO sleep_sessions (participant_id, session_id, start_time, end_time, sleep_type, is_main, minutes_asleep) VALUES ($1, 's1', now() - interval '8 hours', now(), 'STAGES', true, 420)", [id]);
      await pool.query("INSERT INTO sleep_stages (participant_id, session_id, start_time, end_time, stage) VALUES ($1, 's1', now() - interval '8 hours', now() - interval '7 hours', 'DEEP')", [id]);
      await pool.query("INSERT INTO adherence_daily (participant_id, day, wear_minutes) VALUES ($1, current_date, 900)", [id]);
      await pool.query("INSERT INTO ingest_watermarks (participant_id, metric, watermark) VALUES ($1, 'heart_rate', now())", [id]);
      await pool.query("INSERT INTO pipeline_runs (kind, participant_id) VALUES ('ingest', $1)", [id]);
      await pool.query("INSERT INTO participant_contacts (participant_id, email) VALUES ($1, $1 || '@example.org')", [id]);
      await pool.query("INSERT INTO contact_requests (participant_id, template) VALUES ($1, 'reminder')", [id]);
    }
    const tables = ["samples", "imputed_samples", "sleep_sessions", "sleep_stages", "adherence_daily", "ingest_watermarks", "pipeline_runs", "participant_contacts", "contact_requests", "participants"];
    const count = async (id: string) => {
      const out: Record<string, number> = {};
      for (const t of tables) out[t] = (await pool.query(`SELECT count(*)::int AS n FROM ${t} WHERE participant_id = $1`, [id])).rows[0].n;
      return out;
    };
    assert.ok(Object.values(await count("P003")).every((n) => n > 0));
    await env.admin.delete(RESOURCES.participant, NS, "p003");
    await until("Participant gone", async () => { try { await getPt("p003"); return false; } catch (err) { return isNotFound(err); } }, 30_000);
    assert.deepEqual(Object.values(await count("P003")), tables.map(() => 0), "every row of P003 erased");
    assert.ok(Object.values(await count("P004")).every((n) => n > 0), "another participant's rows untouched");
    const events = await env.admin.list<{ reason: string; message: string; involvedObject: { name: string } }>(RESOURCES.event, NS);
    assert.ok(events.items.some((e) => e.reason === "DataErased" && e.involvedObject.name === "p003" && /samples: 61/.test(e.message)));
  });

  test("switching dataPolicy back to Retain removes the finalizer", async () => {
    await createPt("p005", { participantId: "P005", dataPolicy: "Delete" });
    await until("finalizer added", async () => (await getPt("p005")).metadata.finalizers?.includes("wearables.dev/erase-data"));
    await patchPt("p005", { dataPolicy: "Retain" });
    await until("finalizer removed", async () => !(await getPt("p005")).metadata.finalizers?.length);
  });
});
