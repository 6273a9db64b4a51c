// A validation written once and enforced twice: as a CEL rule in the CRD (the
// API server rejects bad objects at admission) and as a zod refinement (the
// operator, tests and CLI reject the same objects with the same message).
// Keeping rule, message and check side by side is what keeps them in step;
// the fixtures test feeds the same objects to both and compares verdicts.
import type { z } from "zod";

export interface CelRule<T> {
  /** CEL expression evaluated with `self` (and `oldSelf` for transition rules). */
  rule: string;
  /** Shown to the user on rejection: say what is wrong and how to fix it. */
  message: string;
  /** JSONPath-like field the error points at, relative to `self` (e.g. ".to"). */
  fieldPath?: string;
  /** The same rule in TypeScript; absent only for transition rules (they need oldSelf). */
  check?: (value: T) => boolean;
}

export const KUBE_VALIDATIONS = "x-kubernetes-validations";

/** Attaches CEL rules to a schema (as metadata read by the CRD generator) plus matching zod refinements. */
export function withRules<S extends z.ZodType>(schema: S, rules: CelRule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const r of rules) {
      if (r.check && !r.check(value)) {
        const path = r.fieldPath ? r.fieldPath.replace(/^\./, "").split(".") : [];
        ctx.addIssue({ code: "custom", message: r.message, path });
      }
    }
  }) as unknown as S;
  const prior = (schema.meta()?.[KUBE_VALIDATIONS] as object[] | undefined) ?? [];
  const cel = rules.map((r) => ({ rule: r.rule, message: r.message, ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}) }));
  return refined.meta({ ...(schema.meta() ?? {}), [KUBE_VALIDATIONS]: [...prior, ...cel] }) as S;
}

/** A string checked by a regular expression, with an actionable message instead of the API server's "should match '^…$'". */
export function matchesRule(pattern: RegExp, message: string): CelRule<string> {
  // RE2 (CEL) and JS agree on the subset we use: anchors, classes, counted repeats, alternation.
  return { rule: `self.matches(${JSON.stringify(pattern.source)})`, message, check: (v) => pattern.test(v) };
}

/** Transition rule: the field cannot change once set. */
export function immutableRule(field: string): CelRule<unknown> {
  return { rule: "self == oldSelf", message: `${field} is immutable; create a new object instead of changing it` };
}
