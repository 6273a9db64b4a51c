// Operator benchmark on the local control plane (kube-apiserver + etcd).
//
// N Participants are applied at once; we time until every ingest CronJob
// exists and every Participant reports Ready, and compare with a lower bound
// measured in the same run: a plain client creating the same N CronJobs
// directly, with the same client rate limit (qps/burst) and concurrency as
// the operator. Also reported: write requests per Participant, writes during
// an idle period with periodic resyncs (goal 0), and the operator's peak RSS.
//
// The operator runs as its own process (the real CLI) under the chart's RBAC,
// so RSS and request counts are its own. kube-controller-manager is not
// started: its CronJob controller would add load unrelated to either side.
//
// Module: run() returns the result. Standalone: `node bench/operator/index.ts [N]`
// writes bench/results/operator.json.
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { freePort } from "../../jobs/db/embedded.ts";
import { startControlPlane } from "../../test/harness/control-plane.ts";
import { startProcess, tempDir } from "../../test/harness/processes.ts";
import { KubeClient, RESOURCES } from "../../operator/src/runtime/kube-client.ts";
import { Informer } from "../../operator/src/runtime/informer.ts";
import { createLogger } from "../../lib/logger.ts";
import { participantSchema } from "../../operator/src/api/v1alpha1/participant-types.ts";
import { buildParticipantIngestCronJob } from "../../operator/src/specs/participant-ingest-cronjob.ts";
import { jobOptionsFrom } from "../../operator/src/controllers/context.ts";
import { operatorConfigSchema } from "../../operator/src/runtime/config.ts";

const ROOT = resolve(import.meta.dirname, "../..");
export const DEFAULT_OUT = join(ROOT, "bench", "results", "operator.json");
const OP_NS = "wearable-system";
const IMAGE = "ghcr.io/example/wearable:bench";
/**
 * V8 heap limits recommended for the operator container (NODE_OPTIONS; the
 * role GOMEMLIMIT plays for Go operators). Without them V8 sizes its heap from
 * the host's memory and collects lazily, so RSS reflects garbage, not need.
 */
const NODE_OPTIONS = "--max-old-space-size=128 --max-semi-space-size=4";

export interface OperatorBenchOptions {
  participants?: number;
  /** Client rate limit shared by both sides (the operator's defaults). */
  qps?: number;
  burst?: number;
  concurrency?: number;
  idleSeconds?: number;
  resyncSeconds?: number;
  out?: string | null;
  log?: (msg: string) => void;
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function participantObj(i: number) {
  const name = `p${String(i).padStart(5, "0")}`;
  return { apiVersion: "wearables.dev/v1alpha1", kind: "Participant", metadata: { name }, spec: { participantId: name.toUpperCase(), source: { synthetic: {} } } };
}

async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^wearable_operator_api_requests_total\{verb="(\w+)",resource="([^"]*)",code="(\d+)"\} (\d+)/.exec(line);
    if (m) out.set(`${m[1]} ${m[2]}`, (out.get(`${m[1]} ${m[2]}`) ?? 0) + Number(m[4]));
  }
  return out;
}

const WRITE = /^(POST|PUT|PATCH|DELETE) /;
function writes(counts: Map<string, number>, include: (resource: string) => boolean): number {
  let n = 0;
  for (const [k, v] of counts) if (WRITE.test(k) && include(k.split(" ")[1]!)) n += v;
  return n;
}
const diff = (a: Map<string, number>, b: Map<string, number>) => new Map([...a].map(([k, v]) => [k, v - (b.get(k) ?? 0)]));

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

export async function runScenario(opts: OperatorBenchOptions) {
  const n = opts.participants ?? 1000;
  const qps = opts.qps ?? 50;
  const burst = opts.burst ?? 100;
  const concurrency = opts.concurrency ?? 16;
  const idleSeconds = opts.idleSeconds ?? 60;
  const resyncSeconds = opts.resyncSeconds ?? 20;
  const log = opts.log ?? ((m: string) => console.error(`[bench/operator] ${m}`));
  const cp = await startControlPlane({ controllerManager: false });
  const logs = await tempDir("bench-operator");
  try {
    cp.kubectl(["apply", "--server-side", "-f", join(ROOT, "crds")]);
    cp.kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/participants.wearables.dev"]);
    const rbac = cp.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createClusterRole({ body: { metadata: { name: "wearable-operator" }, rules: parse(readFileSync(join(ROOT, "charts/wearable-pipeline/files/operator-rbac-rules.yaml"), "utf8")) } });
    const sa = await cp.serviceAccountKubeconfig(OP_NS, "wearable-operator");
    await rbac.createClusterRoleBinding({ body: { metadata: { name: "wearable-operator" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "wearable-operator" }, subjects: [{ kind: "ServiceAccount", name: "wearable-operator", namespace: OP_NS }] } });
    const admin = new KubeClient(cp.kubeConfig, { qps: 10_000, burst: 10_000 });
    for (const ns of ["bench-baseline", "bench-operator"]) await admin.create({ ...RESOURCES.event, group: "", plural: "namespaces", kind: "Namespace", namespaced: false }, "", { metadata: { name: ns } });

    // Lower bound: the same CronJobs, created directly by a plain client with the operator's rate limit and concurrency.
    const jobOpts = jobOptionsFrom(operatorConfigSchema.parse({ image: IMAGE, identity: "bench" }));
    const cronJobs = Array.from({ length: n }, (_, i) => {
      const p = participantSchema.parse({ ...participantObj(i), metadata: { ...participantObj(i).metadata, namespace: "bench-baseline", uid: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}` } });
      const cj = buildParticipantIngestCronJob(p, jobOpts);
      delete cj.metadata!.ownerReferences; // no owner exists on this side
      return cj;
    });
    const plain = new KubeClient(sa.kubeConfig, { qps, burst });
    log(`baseline: creating ${n} CronJobs (qps ${qps}, burst ${burst}, ${concurrency} in flight)`);
    await plain.list(RESOURCES.cronJob, "bench-baseline"); // warm the connection, as the operator's informers do
    const b0 = performance.now();
    await pool(cronJobs, concurrency, async (cj) => { await plain.create(RESOURCES.cronJob, "bench-baseline", cj); });
    const baselineSeconds = (performance.now() - b0) / 1000;
    log(`baseline: ${baselineSeconds.toFixed(1)} s`);

    const port = await freePort();
    const proc = startProcess("operator", process.execPath, [
      join(ROOT, "bin/wearable.ts"), "operator", "--kubeconfig", sa.path, "--image", IMAGE, "--namespaces", "bench-operator",
      "--qps", String(qps), "--burst", String(burst), "--concurrency", String(concurrency), "--metrics-port", String(port),
      "--resync", `${resyncSeconds}s`, "--identity", "bench-operator", "--leader-election-namespace", OP_NS,
    ], { logDir: logs.path, env: { ...process.env, LOG_LEVEL: "warn", NODE_OPTIONS: `${NODE_OPTIONS} ${process.env.BENCH_OPERATOR_NODE_FLAGS ?? ""}`.trim() } });
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/metrics`).then(async (r) => r.ok && /^leader_election_master_status\{[^}]*\} 1$/m.test(await r.text())).catch(() => false);
        if (ok) break;
        if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`operator did not start; log: ${logs.path}/operator.log`);
        await sleep(200);
      }
      const before = await scrape(port);
      // Completion is observed through watches (cheap for the API server), not by polling lists.
      const silent = createLogger({ name: "bench", level: "silent" });
      const cronWatch = new Informer(admin, { resource: RESOURCES.cronJob, namespace: "bench-operator", log: silent });
      const ptWatch = new Informer<{ metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }>(admin, { resource: RESOURCES.participant, namespace: "bench-operator", log: silent });
      const ready = new Set<string>();
      let cronDoneAt = 0;
      let readyDoneAt = 0;
      cronWatch.on("add", () => { if (!cronDoneAt && cronWatch.list().length === n) cronDoneAt = performance.now(); });
      const onPt = (p: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }) => {
        if (p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) ready.add(p.metadata.name);
        if (!readyDoneAt && ready.size === n) readyDoneAt = performance.now();
      };
      ptWatch.on("add", onPt);
      ptWatch.on("update", onPt);
      await Promise.all([cronWatch.start(), ptWatch.start()]);
      log(`operator: applying ${n} Participants`);
      const t0 = performance.now();
      let createdAt = 0;
      const creating = pool(Array.from({ length: n }, (_, i) => i), 16, async (i) => { await admin.create(RESOURCES.participant, "bench-operator", participantObj(i)); })
        .then(() => { createdAt = performance.now(); });
      while (!(cronDoneAt && readyDoneAt)) {
        await sleep(50);
        if (performance.now() - t0 > 900_000) throw new Error(`timeout: ${cronWatch.list().length} CronJobs, ${ready.size} Ready`);
      }
      await creating;
      await Promise.all([cronWatch.stop(), ptWatch.stop()]);
      const operatorSeconds = (readyDoneAt - t0) / 1000;
      const cronJobsSeconds = (cronDoneAt - t0) / 1000;
      // Events go out in the background with their own budget; wait until they stop before the idle window.
      let prevEvents = -1;
      for (;;) {
        const e = (await scrape(port)).get("POST events") ?? 0;
        if (e === prevEvents) break;
        prevEvents = e;
        await sleep(3000);
      }
      const afterRun = await scrape(port);
      const runCounts = diff(afterRun, before);
      log(`operator: all CronJobs after ${cronJobsSeconds.toFixed(1)} s, all Ready after ${operatorSeconds.toFixed(1)} s; idling ${idleSeconds} s`);
      if (idleSeconds > 0) await sleep(idleSeconds * 1000);
      const afterIdle = await scrape(port);
      const idleCounts = diff(afterIdle, afterRun);
      const rss = peakRssMb(proc.child.pid!);
      const heapUsedMb = round(Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1] ?? NaN) / 2 ** 20, 1);
      const notLease = (r: string) => r !== "leases";
      const version = JSON.parse(cp.kubectl(["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };
      return {
        kubernetes: version.serverVersion.gitVersion,
        settings: { participants: n, qps, burst, concurrency, idleSeconds, resyncSeconds, kubeControllerManager: false, operatorNodeOptions: NODE_OPTIONS },
        baseline: { description: "plain client creating the same CronJobs directly (POST), same qps/burst/concurrency", seconds: round(baselineSeconds) },
        operator: {
          secondsUntilAllParticipantsCreated: round((createdAt - t0) / 1000),
          secondsUntilAllCronJobs: round(cronJobsSeconds),
          secondsUntilAllReady: round(operatorSeconds),
          writeRequestsPerParticipant: round(writes(runCounts, notLease) / n, 3),
          writeRequestsPerParticipantExcludingEvents: round(writes(runCounts, (r) => notLease(r) && r !== "events") / n, 3),
          requestsDuringRun: Object.fromEntries([...runCounts].filter(([, v]) => v > 0)),
          idle: { seconds: idleSeconds, resyncs: Math.floor(idleSeconds / resyncSeconds), resyncedObjectsPerResync: n, writes: writes(idleCounts, notLease), leaseRenewals: writes(idleCounts, (r) => r === "leases") },
          peakRssMb: rss,
          heapUsedMbAtEnd: heapUsedMb,
        },
        ratio: { allReadyVsBaseline: round(operatorSeconds / baselineSeconds), allCronJobsVsBaseline: round(cronJobsSeconds / baselineSeconds) },
      };
    } finally {
      await proc.stop("SIGTERM", 15_000);
    }
  } finally {
    await cp.stop();
    await logs.remove();
  }
}

/**
 * Two scenarios, each on a fresh control plane: the operator's default client
 * rate limit (client-bound: the ratio approaches writes per Participant), and
 * an effectively unlimited client (bound by the API server on this machine).
 */
export async function run(opts: OperatorBenchOptions = {}) {
  const log = opts.log ?? ((m: string) => console.error(`[bench/operator] ${m}`));
  const limited = await runScenario({ ...opts, log });
  const unlimited = await runScenario({ ...opts, qps: 100_000, burst: 100_000, idleSeconds: 0, log });
  const result = {
    benchmark: "operator",
    date: new Date().toISOString(),
    machine: {
      platform: `${os.platform()} ${os.release()} ${os.arch()}`, cpuModel: os.cpus()[0]?.model ?? "unknown", cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage1m: os.loadavg()[0],
    },
    versions: { node: process.version, kubernetes: limited.kubernetes, clientNode: (JSON.parse(readFileSync(join(ROOT, "node_modules/@kubernetes/client-node/package.json"), "utf8")) as { version: string }).version },
    headline: {
      participants: limited.settings.participants,
      ratioAllReadyVsBaseline: limited.ratio.allReadyVsBaseline,
      ratioAllReadyVsBaselineUnthrottled: unlimited.ratio.allReadyVsBaseline,
      writeRequestsPerParticipant: limited.operator.writeRequestsPerParticipant,
      writeRequestsPerParticipantExcludingEvents: limited.operator.writeRequestsPerParticipantExcludingEvents,
      idleWrites: limited.operator.idle.writes,
      peakRssMb: Math.max(limited.operator.peakRssMb, unlimited.operator.peakRssMb),
    },
    goals: { ratioAtMost: 1.5, idleWrites: 0, peakRssMbAtMost: 200 },
    scenarios: { defaultRateLimit: limited, unthrottled: unlimited },
  };
  if (opts.out !== null) {
    await mkdir(join(ROOT, "bench", "results"), { recursive: true });
    await writeFile(opts.out ?? DEFAULT_OUT, `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (import.meta.main) {
  const n = Number(process.argv[2] ?? 1000);
  run({ participants: n }).then((r) => console.log(JSON.stringify(r, null, 2)), (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
