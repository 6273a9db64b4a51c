// A hash of the desired object, stored as an annotation. The apply step skips
// the write when the live object carries the same hash and still matches the
// desired fields, and the hash catches fields removed from the desired state
// (which a subset comparison cannot see).
import { createHash } from "node:crypto";
import { SPEC_HASH_ANNOTATION } from "./labels.ts";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(canonical(value))).digest("hex").slice(0, 16);
}

/** Returns the object with its spec-hash annotation set (computed without the annotation itself). */
export function withSpecHash<T extends { metadata?: { annotations?: Record<string, string> } }>(obj: T): T {
  const hash = hashOf(obj);
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, [SPEC_HASH_ANNOTATION]: hash } } };
}
