// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
// lease 15 s, renew deadline 10 s, retry 2 s. Followers judge expiry by their
// own clock from when they last saw the record change (not by the leader's
// renewTime), so clock skew between nodes cannot cause two leaders. On
// shutdown the leader releases the lease so a follower takes over within one
// retry period instead of a full lease duration.
import type { Logger } from "pino";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeApiError, RESOURCES, type KubeClient, isConflict, isNotFound } from "./kube-client.ts";

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onStatus?: (leading: boolean) => void;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class LeaderElector {
  private readonly opts: Required<Pick<LeaderElectionOptions, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs">> & LeaderElectionOptions;
  private readonly client: KubeClient;
  private leading = false;
  private stopped = false;
  private observed: { rv: string; at: number } | undefined;
  private loop: Promise<void> | undefined;
  private wake: AbortController = new AbortController();

  constructor(client: KubeClient, opts: LeaderElectionOptions) {
    this.client = client;
    this.opts = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let lastRenew = 0;
    while (!this.stopped) {
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        if (!isConflict(err)) this.opts.log.warn({ err: String(err), lease: this.opts.name }, "Lease update failed");
        return false;
      });
      if (this.stopped) break;
      const now = Date.now();
      if (ok) {
        lastRenew = now;
        if (!this.leading) this.setLeading(true);
      } else if (this.leading && now - lastRenew > this.opts.renewDeadlineMs) {
        this.opts.log.error({ lease: this.opts.name }, "Lost the leader lease: could not renew within the deadline");
        this.setLeading(false);
      }
      // Jitter for followers so replicas do not retry in lockstep.
      const wait = this.leading ? this.opts.retryPeriodMs : this.opts.retryPeriodMs * (1 + Math.random() * 0.2);
      await sleep(wait, undefined, { signal: this.wake.signal }).catch(() => undefined);
    }
  }

  private setLeading(v: boolean) {
    this.leading = v;
    this.opts.onStatus?.(v);
    if (v) {
      this.opts.log.info({ lease: this.opts.name, identity: this.opts.identity }, "Acquired the leader lease");
      this.opts.onStartedLeading();
    } else {
      this.opts.onStoppedLeading();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = new Date();
    const spec = (prev?: Lease["spec"]) => ({
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(this.opts.leaseDurationMs / 1000),
      acquireTime: prev?.holderIdentity === identity && prev.acquireTime ? prev.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (prev?.leaseTransitions ?? 0) + (prev?.holderIdentity === identity ? 0 : prev ? 1 : 0),
    });
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(RESOURCES.lease, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.client.create(RESOURCES.lease, namespace, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: spec() });
      return true;
    }
    const rv = lease.metadata.resourceVersion ?? "";
    if (this.observed?.rv !== rv) this.observed = { rv, at: Date.now() };
    const holder = lease.spec?.holderIdentity ?? "";
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    if (holder && holder !== identity && Date.now() < this.observed.at + durationMs) return false;
    const updated = await this.client.put<Lease>(RESOURCES.lease, namespace, name, { ...lease, spec: spec(lease.spec) });
    this.observed = { rv: updated.metadata.resourceVersion ?? "", at: Date.now() };
    return true;
  }

  /** Stops campaigning; a leader gives the lease up so a follower can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    this.opts.onStatus?.(false);
    try {
      const lease = await this.client.get<Lease>(RESOURCES.lease, this.opts.namespace, this.opts.name);
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.client.put(RESOURCES.lease, this.opts.namespace, this.opts.name, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
      });
      this.opts.log.info({ lease: this.opts.name }, "Released the leader lease");
    } catch (err) {
      this.opts.log.warn({ err: err instanceof KubeApiError ? err.message : String(err) }, "Could not release the leader lease");
    }
  }
}
