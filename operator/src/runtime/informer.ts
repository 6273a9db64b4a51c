// An informer that keeps running: client-node's ListWatch relists on 410 and
// reconnects on timeouts, but stops for good on any other error (403 while
// RBAC propagates, 5xx during an API server restart, a reset connection).
// This wrapper restarts it with exponential backoff and reports whether the
// cache has synced at least once (for /readyz).
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import { type KubeClient, type Obj, type ResourceType, resourcePath } from "./kube-client.ts";

export type Handler<T> = (obj: T, old?: T) => void;

export interface InformerOptions {
  resource: ResourceType;
  /** One namespace, or all when undefined. */
  namespace?: string;
  labelSelector?: string;
  log: Logger;
  onRestart?: () => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class Informer<T extends Obj> {
  private readonly inner: k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>;
  private readonly opts: InformerOptions;
  private backoffMs: number;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private everSynced = false;
  private lastObjects = new Map<string, T>();
  private readonly handlers: { add: Handler<T>[]; update: Handler<T>[]; delete: Handler<T>[] } = { add: [], update: [], delete: [] };

  constructor(client: KubeClient, opts: InformerOptions) {
    this.opts = opts;
    this.backoffMs = opts.minBackoffMs ?? 1000;
    const path = resourcePath(opts.resource, opts.namespace);
    const list = async () => {
      const res = await client.list<T>(opts.resource, opts.namespace, opts.labelSelector);
      // Lists omit kind/apiVersion on items; watch events carry them. Make both alike.
      const apiVersion = opts.resource.group ? `${opts.resource.group}/${opts.resource.version}` : opts.resource.version;
      for (const item of res.items) {
        Object.assign(item, { apiVersion, kind: opts.resource.kind });
        slim(item);
      }
      this.everSynced = true;
      this.backoffMs = opts.minBackoffMs ?? 1000;
      return res as unknown as k8s.KubernetesListObject<k8s.KubernetesObject>;
    };
    this.inner = k8s.makeInformer(client.kubeConfig, path, list, opts.labelSelector);
    this.inner.on("add", (o) => this.emit("add", o as T));
    this.inner.on("update", (o) => this.emit("update", o as T));
    this.inner.on("delete", (o) => this.emit("delete", o as T));
    this.inner.on("error", (err) => this.restartLater(err));
  }

  private emit(kind: "add" | "update" | "delete", obj: T) {
    slim(obj);
    const key = objectKey(obj);
    const old = this.lastObjects.get(key);
    if (kind === "delete") this.lastObjects.delete(key);
    else this.lastObjects.set(key, obj);
    for (const h of this.handlers[kind]) h(obj, old);
  }

  private restartLater(err: unknown) {
    if (this.stopped) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.opts.maxBackoffMs ?? 30_000, this.backoffMs * 2);
    this.opts.log.warn({ resource: this.opts.resource.plural, err: String((err as Error)?.message ?? err), retryInMs: wait }, "Informer stopped; restarting");
    this.opts.onRestart?.();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) this.inner.start().catch((e: unknown) => this.restartLater(e));
    }, wait);
  }

  on(kind: "add" | "update" | "delete", handler: Handler<T>): void {
    this.handlers[kind].push(handler);
  }

  /** Lists and starts watching; resolves once the first list is in the cache (or keeps retrying in the background). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.inner.start().catch((e: unknown) => this.restartLater(e));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inner.stop();
  }

  get synced(): boolean {
    return this.everSynced;
  }

  get(namespace: string, name: string): T | undefined {
    return this.inner.get(name, namespace) as T | undefined;
  }

  list(namespace?: string): T[] {
    return this.inner.list(namespace) as T[];
  }
}

/**
 * managedFields are often the largest part of an object and the operator
 * never reads them; dropping them from the cache (in place: the cache holds
 * this same object) keeps memory flat as objects multiply, like
 * controller-runtime's default cache transform.
 */
function slim(obj: Obj): void {
  if (obj.metadata && "managedFields" in obj.metadata) delete obj.metadata.managedFields;
}

export function objectKey(obj: Obj): string {
  return `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** One informer per watched namespace (or one for all), behind one cache interface. */
export class InformerSet<T extends Obj> {
  private readonly byNamespace = new Map<string, Informer<T>>();
  private readonly all: Informer<T> | undefined;

  constructor(client: KubeClient, namespaces: string[], opts: Omit<InformerOptions, "namespace">) {
    if (namespaces.length === 0) this.all = new Informer<T>(client, opts);
    for (const ns of namespaces) this.byNamespace.set(ns, new Informer<T>(client, { ...opts, namespace: ns }));
  }

  private get members(): Informer<T>[] {
    return this.all ? [this.all] : [...this.byNamespace.values()];
  }

  on(kind: "add" | "update" | "delete", handler: Handler<T>): void {
    for (const i of this.members) i.on(kind, handler);
  }

  get(namespace: string, name: string): T | undefined {
    return (this.all ?? this.byNamespace.get(namespace))?.get(namespace, name);
  }

  list(namespace?: string): T[] {
    if (this.all) return this.all.list(namespace);
    if (namespace !== undefined) return this.byNamespace.get(namespace)?.list(namespace) ?? [];
    return this.members.flatMap((i) => i.list());
  }

  get synced(): boolean {
    return this.members.every((i) => i.synced);
  }

  async start(): Promise<void> {
    await Promise.all(this.members.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((i) => i.stop()));
  }
}
