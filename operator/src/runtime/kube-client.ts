// A small REST client for the few verbs the operator uses. It returns plain
// JSON (the shape watch events have, so cache and API objects compare
// equal), counts every request by verb and resource (the "zero writes on a
// no-op resync" proof and a metric), and applies one client-side rate limit.
import * as k8s from "@kubernetes/client-node";
import { TokenBucket } from "../../../lib/rate-limiter.ts";

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const RESOURCES = {
  participant: { group: "wearables.dev", version: "v1alpha1", plural: "participants", kind: "Participant", namespaced: true },
  imputationRun: { group: "wearables.dev", version: "v1alpha1", plural: "imputationruns", kind: "ImputationRun", namespaced: true },
  cronJob: { group: "batch", version: "v1", plural: "cronjobs", kind: "CronJob", namespaced: true },
  job: { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true },
  pod: { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true },
  event: { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true },
  lease: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true },
} as const satisfies Record<string, ResourceType>;

export function resourcePath(r: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const n = name ? `/${encodeURIComponent(name)}` : "";
  return `${base}${ns}/${r.plural}${n}${subresource ? `/${subresource}` : ""}`;
}

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

/** An API error with the server's Status: code (409 conflict, 404 not found, 422 invalid) and message. */
export class KubeApiError extends Error {
  override name = "KubeApiError";
  readonly code: number;
  readonly reason: string;
  constructor(method: string, path: string, code: number, status: KubeStatus | undefined) {
    super(`${method} ${path}: ${code} ${status?.reason ?? ""} ${status?.message ?? ""}`.trim());
    this.code = code;
    this.reason = status?.reason ?? "";
  }
  /** The server's message alone (for conditions and Events). */
  get serverMessage(): string {
    return this.message.replace(/^\S+ \S+: \d+ \S* ?/, "");
  }
}

export const isNotFound = (err: unknown) => err instanceof KubeApiError && err.code === 404;
export const isConflict = (err: unknown) => err instanceof KubeApiError && err.code === 409;

export type RequestObserver = (verb: string, resource: string, code: number) => void;

export interface KubeClientOptions {
  qps: number;
  burst: number;
  userAgent?: string;
  onRequest?: RequestObserver;
}

export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const WRITE_VERBS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class KubeClient {
  readonly kubeConfig: k8s.KubeConfig;
  private readonly server: string;
  private readonly http = new k8s.IsomorphicFetchHttpLibrary();
  private readonly limiter: TokenBucket;
  private readonly opts: KubeClientOptions;
  private dispatcher: unknown;
  /** Requests by "VERB resource"; writes are what the no-op test counts. */
  readonly counts = new Map<string, number>();

  constructor(kubeConfig: k8s.KubeConfig, opts: KubeClientOptions) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    this.kubeConfig = kubeConfig;
    this.server = cluster.server.replace(/\/$/, "");
    this.limiter = new TokenBucket(opts.qps, opts.burst);
    this.opts = opts;
  }

  /** Write requests so far, optionally only for some resources. */
  writeCount(filter: (resource: string) => boolean = () => true): number {
    let n = 0;
    for (const [k, v] of this.counts) {
      const [verb, resource] = k.split(" ");
      if (WRITE_VERBS.has(verb!) && filter(resource!)) n += v;
    }
    return n;
  }

  async request<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, opts: { query?: Record<string, string>; body?: unknown; contentType?: string } = {}): Promise<T> {
    await this.limiter.take();
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const ctx = new k8s.RequestContext(url.toString(), method as k8s.HttpMethod);
    ctx.setHeaderParam("Accept", "application/json");
    if (this.opts.userAgent) ctx.setHeaderParam("User-Agent", this.opts.userAgent);
    if (opts.body !== undefined) {
      ctx.setHeaderParam("Content-Type", opts.contentType ?? "application/json");
      ctx.setBody(JSON.stringify(opts.body));
    }
    await this.kubeConfig.applySecurityAuthentication(ctx);
    // client-node builds a new connection pool (undici Agent) for every request: no keep-alive, a TLS
    // handshake per call, and sockets piling up until GC. One pool per client fixes latency and memory.
    this.dispatcher ??= ctx.getDispatcher();
    if (this.dispatcher) ctx.setDispatcher(this.dispatcher as never);
    const resource = resourceOf(path);
    let response: k8s.ResponseContext;
    try {
      response = await this.http.send(ctx).toPromise();
    } catch (err) {
      this.observe(method, resource, 0);
      throw new Error(`${method} ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.observe(method, resource, response.httpStatusCode);
    const text = await response.body.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.httpStatusCode >= 300) throw new KubeApiError(method, path, response.httpStatusCode, body as KubeStatus);
    return body as T;
  }

  private observe(verb: string, resource: string, code: number) {
    const key = `${verb} ${resource}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.opts.onRequest?.(verb, resource, code);
  }

  get<T>(r: ResourceType, namespace: string, name: string): Promise<T> {
    return this.request<T>("GET", resourcePath(r, namespace, name));
  }

  list<T>(r: ResourceType, namespace?: string, labelSelector?: string): Promise<{ metadata: { resourceVersion: string }; items: T[] }> {
    return this.request("GET", resourcePath(r, namespace), { query: labelSelector ? { labelSelector } : {} });
  }

  create<T>(r: ResourceType, namespace: string, body: unknown): Promise<T> {
    return this.request<T>("POST", resourcePath(r, namespace), { body });
  }

  /** Server-side apply: the object is the full desired state of the fields this manager owns. */
  apply<T>(r: ResourceType, obj: Obj, fieldManager: string, force = true): Promise<T> {
    const { namespace, name } = obj.metadata ?? {};
    if (!name) throw new Error(`apply ${r.kind}: object has no name`);
    return this.request<T>("PATCH", resourcePath(r, namespace, name), {
      query: { fieldManager, force: String(force) },
      body: obj, // JSON is YAML
      contentType: "application/apply-patch+yaml",
    });
  }

  mergePatch<T>(r: ResourceType, namespace: string, name: string, patch: unknown, subresource?: string): Promise<T> {
    return this.request<T>("PATCH", resourcePath(r, namespace, name, subresource), { body: patch, contentType: "application/merge-patch+json" });
  }

  async delete(r: ResourceType, namespace: string, name: string, propagationPolicy: "Background" | "Foreground" = "Background"): Promise<void> {
    await this.request("DELETE", resourcePath(r, namespace, name), { body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy } });
  }

  put<T>(r: ResourceType, namespace: string, name: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", resourcePath(r, namespace, name), { body });
  }
}

/** "cronjobs", "participants/status", ... from an API path. */
export function resourceOf(path: string): string {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  const i = parts.indexOf("namespaces");
  const rest = i >= 0 ? parts.slice(i + 2) : parts.slice(parts[0] === "api" ? 2 : 3);
  return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : (rest[0] ?? "");
}
