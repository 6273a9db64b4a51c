// Status as transactions (CNPG pkg/resources/status): compute the new status
// from a fresh copy, skip the request when nothing changed, and patch the
// status subresource with the resourceVersion it was computed from, so a
// concurrent change yields 409 (-> requeue with fresh data) rather than a
// lost update.
import { isDeepStrictEqual } from "node:util";
import type { KubeClient, Obj, ResourceType } from "../runtime/kube-client.ts";

export interface StatusObj extends Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string; generation?: number; [k: string]: unknown };
  status?: Record<string, unknown>;
}

/** Returns the patched object, or null when the status already matched (no request made). */
export async function patchStatus<T extends StatusObj>(client: KubeClient, r: ResourceType, live: T, next: Record<string, unknown>): Promise<T | null> {
  const prev = live.status ?? {};
  const clean = JSON.parse(JSON.stringify(next)) as Record<string, unknown>;
  if (isDeepStrictEqual(prev, clean)) return null;
  return client.mergePatch<T>(r, live.metadata.namespace ?? "", live.metadata.name, {
    metadata: { resourceVersion: live.metadata.resourceVersion },
    status: mergePatchBody(prev, clean),
  }, "status");
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** RFC 7386 merge patch turning `prev` into `next`: removed keys become null, at every depth. */
export function mergePatchBody(prev: Json, next: Json): Json {
  const body: Json = {};
  for (const [k, v] of Object.entries(next)) body[k] = isObject(v) && isObject(prev[k]) ? mergePatchBody(prev[k], v) : v;
  for (const k of Object.keys(prev)) if (!(k in next)) body[k] = null;
  return body;
}
