// Server-side apply that costs nothing when nothing changed: the desired
// object is compared with the cached live one first, and only a difference
// (or a missing object) leads to a PATCH. This is what makes a no-op resync
// cost zero write requests.
import { SPEC_HASH_ANNOTATION } from "../specs/labels.ts";
import type { Obj } from "./kube-client.ts";

/**
 * True when every field set in `desired` has the same value in `live`.
 * Objects may carry extra fields (server defaults, status); lists must have
 * the same length and match item by item (containers, env, args are ordered).
 */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && desired.length === live.length && desired.every((d, i) => isSubset(d, live[i]));
  }
  if (desired && typeof desired === "object") {
    if (!live || typeof live !== "object" || Array.isArray(live)) return false;
    return Object.entries(desired).every(([k, v]) => v === undefined || isSubset(v, (live as Record<string, unknown>)[k]));
  }
  return false;
}

/** Why the object must be written, or null when the live object already matches. */
export function applyReason(desired: Obj, live: Obj | undefined): string | null {
  if (!live) return "missing";
  const want = (desired.metadata?.annotations as Record<string, string> | undefined)?.[SPEC_HASH_ANNOTATION];
  const have = (live.metadata?.annotations as Record<string, string> | undefined)?.[SPEC_HASH_ANNOTATION];
  if (want !== have) return "changed";
  // Same hash, but someone may have edited a field by hand: put it back.
  if (!isSubset(desired.spec, live.spec) || !isSubset(desired.metadata?.labels, live.metadata?.labels)) return "drifted";
  return null;
}
