// Wires the operator together: API client, informers and stores, work queues
// and controllers, leader election, metrics and health endpoints, and a
// graceful shutdown that finishes in-flight reconciles and releases the lease.
import type * as k8s from "@kubernetes/client-node";
import type { V1CronJob, V1Job, V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { CONDITION } from "../api/v1alpha1/conditions.ts";
import { IMPUTATION_RUN, PARTICIPANT } from "../api/v1alpha1/group.ts";
import type { Condition } from "../api/v1alpha1/common-types.ts";
import { jobOptionsFrom, type ControllerContext, type CustomObj, type KubeObj } from "../controllers/context.ts";
import { classify } from "../controllers/errors.ts";
import { reconcileImputationRun } from "../controllers/imputationrun-controller.ts";
import { reconcileParticipant } from "../controllers/participant-controller.ts";
import { COMPONENT_LABEL, IMPUTATION_RUN_LABEL, MANAGED_BY_SELECTOR, PARTICIPANT_LABEL } from "../specs/labels.ts";
import type { OperatorConfig } from "./config.ts";
import { createEventRecorder } from "./events.ts";
import { startHttpServer } from "./http-server.ts";
import { InformerSet, objectKey } from "./informer.ts";
import { KubeClient, RESOURCES, type Obj } from "./kube-client.ts";
import { LeaderElector } from "./leader-election.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { OwnerIndex, controllerOf } from "./owner-index.ts";
import type { Eraser } from "./participant-data.ts";
import { Store } from "./store.ts";
import { WorkQueue } from "./workqueue.ts";

export interface ManagerOptions {
  config: OperatorConfig;
  kubeConfig: k8s.KubeConfig;
  log: Logger;
  eraser?: Eraser;
  /** Called when leadership is lost unexpectedly; the process should exit so a fresh replica starts. */
  onFatal?: (reason: string) => void;
}

type Reconciler = (ctx: ControllerContext, key: string) => Promise<void>;

/** When the parent is not cached yet: the labels every owned object carries. */
function ownerFromLabels(obj: Obj): { kind: string; key: string } | undefined {
  const ns = obj.metadata?.namespace ?? "";
  const labels = (obj.metadata?.labels ?? {}) as Record<string, string>;
  if (labels[IMPUTATION_RUN_LABEL]) return { kind: IMPUTATION_RUN.kind, key: `${ns}/${labels[IMPUTATION_RUN_LABEL]}` };
  if (labels[PARTICIPANT_LABEL]) return { kind: PARTICIPANT.kind, key: `${ns}/${labels[PARTICIPANT_LABEL]}` };
  return undefined;
}

type ParticipantGaugeStatus = {
  conditions?: Condition[]; lastSuccessfulIngestTime?: string; consecutiveIngestFailures?: number;
  adherence?: { wearPercent: number }; lastImputation?: { result: string };
};

/** Per-participant series and the by-condition counts, from one cached Participant. */
function participantGauges(m: Metrics, p: CustomObj, counts: Map<string, number>, now: number): void {
  const labels = { namespace: p.metadata.namespace ?? "", participant: p.metadata.name };
  const st = (p.status ?? {}) as ParticipantGaugeStatus;
  for (const type of [CONDITION.Ready, CONDITION.Scheduled, CONDITION.IngestHealthy]) {
    const key = `${type}\u0000${st.conditions?.find((c) => c.type === type)?.status ?? "Unknown"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const last = st.lastSuccessfulIngestTime ? Date.parse(st.lastSuccessfulIngestTime) : NaN;
  if (Number.isFinite(last)) m.lastSuccessfulIngest.set(labels, last / 1000);
  const since = Number.isFinite(last) ? last : Date.parse(String(p.metadata.creationTimestamp ?? now));
  m.secondsSinceIngest.set(labels, Math.max(0, (now - since) / 1000));
  m.consecutiveFailures.set(labels, st.consecutiveIngestFailures ?? 0);
  if (st.adherence) m.wearRatio.set(labels, st.adherence.wearPercent / 100);
  if (st.lastImputation) m.participantImputationFailed.set(labels, st.lastImputation.result === "Failed" ? 1 : 0);
}

/** Like controller-runtime's GenerationChangedPredicate, plus the metadata the reconcile reads. */
export function specOrLifecycleChanged(old: CustomObj, now: CustomObj): boolean {
  const m0 = old.metadata;
  const m1 = now.metadata;
  return m0.generation !== m1.generation || m0.deletionTimestamp !== m1.deletionTimestamp || m0.uid !== m1.uid
    || JSON.stringify(m0.finalizers ?? []) !== JSON.stringify(m1.finalizers ?? []);
}

export class Manager {
  readonly client: KubeClient;
  readonly metrics: Metrics;
  readonly ctx: ControllerContext;
  readonly queues: { participant: WorkQueue; imputationRun: WorkQueue };
  private readonly informers: { participants: InformerSet<CustomObj>; imputationRuns: InformerSet<CustomObj>; cronJobs: InformerSet<KubeObj<V1CronJob>>; jobs: InformerSet<KubeObj<V1Job>>; pods: InformerSet<KubeObj<V1Pod>> };
  private readonly elector: LeaderElector | undefined;
  private readonly opts: ManagerOptions;
  private http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopping = false;
  private workersStarted = false;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    const { config, log } = opts;
    this.metrics = createMetrics();
    this.client = new KubeClient(opts.kubeConfig, {
      qps: config.qps, burst: config.burst, userAgent: `wearable-operator/${config.identity}`,
      onRequest: (verb, resource, code) => this.metrics.apiRequests.inc({ verb, resource, code: String(code) }),
    });
    // Events get their own small budget so they never slow reconciles down.
    const eventClient = new KubeClient(opts.kubeConfig, { qps: 50, burst: 100, onRequest: (verb, resource, code) => this.metrics.apiRequests.inc({ verb, resource, code: String(code) }) });
    const mk = <T extends Obj>(resource: (typeof RESOURCES)[keyof typeof RESOURCES], selector?: string) =>
      new InformerSet<T>(this.client, config.namespaces, {
        resource, log, ...(selector ? { labelSelector: selector } : {}),
        onRestart: () => this.metrics.informerRestarts.inc({ resource: resource.plural }),
      });
    this.informers = {
      participants: mk<CustomObj>(RESOURCES.participant),
      imputationRuns: mk<CustomObj>(RESOURCES.imputationRun),
      cronJobs: mk<KubeObj<V1CronJob>>(RESOURCES.cronJob, MANAGED_BY_SELECTOR),
      jobs: mk<KubeObj<V1Job>>(RESOURCES.job, MANAGED_BY_SELECTOR),
      pods: mk<KubeObj<V1Pod>>(RESOURCES.pod, MANAGED_BY_SELECTOR),
    };
    this.ctx = {
      client: this.client,
      config,
      jobOptions: jobOptionsFrom(config),
      participants: new Store(this.informers.participants),
      imputationRuns: new Store(this.informers.imputationRuns),
      cronJobs: new Store(this.informers.cronJobs),
      jobs: new Store(this.informers.jobs),
      pods: new Store(this.informers.pods),
      jobsByOwner: new OwnerIndex(this.informers.jobs),
      podsByOwner: new OwnerIndex(this.informers.pods),
      events: createEventRecorder(eventClient, "wearable-operator", config.identity, log),
      metrics: this.metrics,
      log,
      ...(opts.eraser ? { eraser: opts.eraser } : {}),
      now: () => new Date(),
    };
    this.queues = {
      participant: new WorkQueue({ name: "participant", concurrency: config.concurrency, metrics: this.metrics }),
      imputationRun: new WorkQueue({ name: "imputationrun", concurrency: Math.max(1, Math.ceil(config.concurrency / 2)), metrics: this.metrics }),
    };
    this.wireEvents();
    // Zero-valued series from the start, so rate() and alerts see them before the first error.
    for (const controller of ["participant", "imputationrun"]) {
      this.metrics.reconcileErrors.inc({ controller }, 0);
      for (const result of ["success", "error", "requeue"]) this.metrics.reconcileTotal.inc({ controller, result }, 0);
    }
    this.elector = config.leaderElect
      ? new LeaderElector(this.client, {
        namespace: config.leaderElectionNamespace, name: config.leaderElectionId, identity: config.identity, log,
        onStartedLeading: () => this.startLeading(),
        onStoppedLeading: () => this.lostLeadership(),
        onStatus: (v) => this.metrics.leaderStatus.set({ name: config.leaderElectionId }, v ? 1 : 0),
      })
      : undefined;
  }

  /** The Participant or ImputationRun an owned object (CronJob, Job, Pod) belongs to, following owner references. */
  private ownerKey(obj: Obj, depth = 0): { kind: string; key: string } | undefined {
    const ns = obj.metadata?.namespace ?? "";
    const ref = controllerOf(obj);
    if (ref?.kind === PARTICIPANT.kind || ref?.kind === IMPUTATION_RUN.kind) return { kind: ref.kind, key: `${ns}/${ref.name}` };
    const parents: Record<string, InformerSet<KubeObj<V1CronJob>> | InformerSet<KubeObj<V1Job>>> = { CronJob: this.informers.cronJobs, Job: this.informers.jobs };
    const parent = ref?.kind && ref.name ? parents[ref.kind]?.get(ns, ref.name) : undefined;
    if (parent && depth < 3) return this.ownerKey(parent, depth + 1);
    return ownerFromLabels(obj);
  }

  private enqueueOwner(obj: Obj) {
    const o = this.ownerKey(obj);
    if (o?.kind === PARTICIPANT.kind) this.queues.participant.add(o.key);
    else if (o) this.queues.imputationRun.add(o.key);
  }

  private wireEvents() {
    const { participants, imputationRuns, cronJobs, jobs, pods } = this.informers;
    const onParticipant = (o: CustomObj, old?: CustomObj) => {
      // Our own status writes come back as updates; they change nothing we reconcile from.
      if (old && !specOrLifecycleChanged(old, o)) return;
      this.queues.participant.add(objectKey(o));
      // Runs that reference this participant depend on its participantId and time zone.
      for (const ir of imputationRuns.list(o.metadata.namespace)) {
        if ((ir.spec as { participantRef?: { name?: string } } | undefined)?.participantRef?.name === o.metadata.name) this.queues.imputationRun.add(objectKey(ir));
      }
    };
    for (const kind of ["add", "update", "delete"] as const) {
      participants.on(kind, kind === "update" ? onParticipant : (o) => onParticipant(o));
      imputationRuns.on(kind, (o) => this.queues.imputationRun.add(objectKey(o)));
      cronJobs.on(kind, (o) => {
        if (kind !== "delete" && this.ctx.cronJobs.isOwnWrite(o)) return;
        this.enqueueOwner(o);
      });
      jobs.on(kind, (o) => this.enqueueOwner(o));
      pods.on(kind, (o) => this.enqueueOwner(o));
    }
    jobs.on("update", (job, old) => this.countFinishedJob(job, old));
  }

  /** wearable_job_runs_total / wearable_job_duration_seconds, once per Job, when it finishes while we watch. */
  private countFinishedJob(job: KubeObj<V1Job>, old: KubeObj<V1Job> | undefined) {
    if (!this.leading) return;
    const finished = (j: V1Job | undefined) => j?.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
    const now = finished(job);
    if (!now || finished(old)) return;
    const kind = job.metadata.labels?.[COMPONENT_LABEL] ?? "unknown";
    const ns = job.metadata.namespace;
    this.metrics.jobRuns.inc({ kind, namespace: ns, result: now.type === "Complete" ? "succeeded" : "failed" });
    const start = job.status?.startTime ? Date.parse(String(job.status.startTime)) : NaN;
    const end = Date.parse(String(job.status?.completionTime ?? now.lastTransitionTime ?? ""));
    if (Number.isFinite(start) && Number.isFinite(end) && end >= start) this.metrics.jobDuration.observe({ kind, namespace: ns }, (end - start) / 1000);
  }

  private async process(controller: string, queue: WorkQueue, reconcile: Reconciler, key: string) {
    const end = this.metrics.reconcileTime.startTimer({ controller });
    try {
      await reconcile(this.ctx, key);
      queue.forget(key);
      this.metrics.reconcileTotal.inc({ controller, result: "success" });
    } catch (err) {
      const o = classify(err);
      const [namespace, name] = key.split("/");
      if (o.result === "requeue") {
        this.metrics.reconcileTotal.inc({ controller, result: "requeue" });
        if (o.afterMs !== undefined) queue.addAfter(key, o.afterMs);
        else queue.addRateLimited(key);
      } else {
        this.metrics.reconcileTotal.inc({ controller, result: "error" });
        this.metrics.reconcileErrors.inc({ controller });
        this.ctx.log.error({ controller, namespace, name, err: (err as Error)?.message ?? String(err), retries: queue.retries(key) }, `Reconcile of ${controller} failed`);
        if (o.result === "error") queue.addRateLimited(key);
        else queue.forget(key);
      }
    } finally {
      end();
    }
  }

  private startLeading() {
    this.leading = true;
    if (this.stopping || this.workersStarted) return;
    this.workersStarted = true;
    this.queues.participant.start((k) => this.process("participant", this.queues.participant, reconcileParticipant, k));
    this.queues.imputationRun.start((k) => this.process("imputationrun", this.queues.imputationRun, reconcileImputationRun, k));
    this.resyncAll();
    this.resyncTimer = setInterval(() => this.resyncAll(), this.opts.config.resyncMs);
    this.resyncTimer.unref();
  }

  private lostLeadership() {
    this.leading = false;
    if (this.stopping) return;
    // Another replica may already be reconciling: stop at once and let the process restart.
    this.opts.onFatal?.("lost the leader lease");
  }

  /** Enqueues every cached object: a periodic safety net against missed events. */
  resyncAll(): void {
    for (const p of this.informers.participants.list()) this.queues.participant.add(objectKey(p));
    for (const r of this.informers.imputationRuns.list()) this.queues.imputationRun.add(objectKey(r));
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get synced(): boolean {
    return Object.values(this.informers).every((i) => i.synced);
  }

  get metricsPort(): number | undefined {
    return this.http?.port;
  }

  async start(): Promise<void> {
    this.http = await startHttpServer(this.opts.config.metricsPort, {
      registry: this.metrics.registry,
      ready: () => this.synced,
      healthy: () => !this.stopping,
      beforeScrape: () => this.refreshGauges(),
    });
    await Promise.all(Object.values(this.informers).map((i) => i.start()));
    this.opts.log.info({ namespaces: this.opts.config.namespaces.length ? this.opts.config.namespaces : "all", synced: this.synced }, "Started informers");
    if (this.elector) this.elector.start();
    else this.startLeading();
  }

  private refreshGauges() {
    const m = this.metrics;
    for (const [name, q] of Object.entries(this.queues)) {
      const f = q.inFlight();
      m.unfinishedWork.set({ name: q.name ?? name }, f.unfinished);
      m.longestRunning.set({ name: q.name ?? name }, f.longest);
    }
    for (const g of [m.participants, m.lastSuccessfulIngest, m.secondsSinceIngest, m.consecutiveFailures, m.wearRatio, m.imputationRunFailed, m.participantImputationFailed]) g.reset();
    // Only the leader reports per-participant series, so two replicas never double them.
    if (!this.leading) return;
    const now = Date.now();
    const counts = new Map<string, number>();
    for (const p of this.informers.participants.list()) participantGauges(m, p, counts, now);
    for (const [k, n] of counts) {
      const [condition, status] = k.split("\u0000");
      m.participants.set({ condition, status }, n);
    }
    for (const r of this.informers.imputationRuns.list()) {
      m.imputationRunFailed.set({ namespace: r.metadata.namespace ?? "", imputationrun: r.metadata.name }, (r.status as { phase?: string } | undefined)?.phase === "Failed" ? 1 : 0);
    }
  }

  /** Graceful: finish in-flight reconciles, release the lease, stop watching. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.resyncTimer);
    await Promise.all([this.queues.participant.shutdown(), this.queues.imputationRun.shutdown()]);
    await this.elector?.stop();
    this.leading = false;
    await Promise.all(Object.values(this.informers).map((i) => i.stop()));
    await this.ctx.events.flush();
    await this.http?.close();
    this.opts.log.info("Stopped");
  }
}
