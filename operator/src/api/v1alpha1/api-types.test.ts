// The zod side of "zod and the CRD agree": every fixture gets the verdict and
// the message the API server gives it (test/integration/operator-admission.test.ts
// checks the server side with the same fixtures), and the committed CRD YAML
// is exactly what the generator produces from these zod types.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { BAD_FIXTURES, GOOD_FIXTURES, fixtureObject } from "./fixtures.ts";
import { participantSchema } from "./participant-types.ts";
import { imputationRunSchema } from "./imputationrun-types.ts";
import { renderCrdFiles } from "./crd-render.ts";
import { buildParticipantCrd, toStructural } from "./crd-build.ts";
import { setCondition } from "./conditions.ts";

const root = resolve(import.meta.dirname, "../../../..");
const schemaFor = (kind: string) => (kind === "Participant" ? participantSchema : imputationRunSchema);

describe("zod API types", () => {
  for (const f of GOOD_FIXTURES) {
    test(`accepts ${f.kind} ${f.name}`, () => {
      const r = schemaFor(f.kind).safeParse(fixtureObject(f, "default"));
      assert.ok(r.success, r.success ? "" : JSON.stringify(r.error.issues));
    });
  }
  for (const f of BAD_FIXTURES) {
    test(`rejects ${f.kind} ${f.name} with "${f.expect}"`, () => {
      const r = schemaFor(f.kind).safeParse(fixtureObject(f, "default"));
      assert.equal(r.success, false, "was accepted");
      const text = r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
      assert.ok(text.includes(f.expect!) || r.error!.issues.some((i) => i.path.join(".").includes(f.expect!)), `message "${text}" lacks "${f.expect}"`);
    });
  }

  test("defaults fill unset fields the way the CRD defaults do", () => {
    const p = participantSchema.parse(fixtureObject(GOOD_FIXTURES[0]!, "default"));
    assert.deepEqual(
      { metrics: p.spec.metrics, timeZone: p.spec.timeZone, backfillDays: p.spec.backfillDays, suspend: p.spec.suspend, dataPolicy: p.spec.dataPolicy },
      { metrics: ["heart_rate", "steps", "sleep"], timeZone: "UTC", backfillDays: 30, suspend: false, dataPolicy: "Retain" },
    );
    const crd = buildParticipantCrd().spec.versions[0]!.schema.openAPIV3Schema.properties.spec as { properties: Record<string, { default?: unknown }> };
    assert.deepEqual(crd.properties.metrics?.default, p.spec.metrics);
    assert.equal(crd.properties.timeZone?.default, p.spec.timeZone);
    assert.equal(crd.properties.backfillDays?.default, p.spec.backfillDays);
    assert.equal(crd.properties.dataPolicy?.default, p.spec.dataPolicy);
  });
});

describe("sample CRs", () => {
  test("every object in config/samples parses with the zod types", () => {
    for (const file of ["wearables.dev_v1alpha1_participant.yaml", "wearables.dev_v1alpha1_imputationrun.yaml"]) {
      const docs = parseAllDocuments(readFileSync(join(root, "config/samples", file), "utf8")).map((d) => d.toJS() as { kind: string });
      assert.ok(docs.length >= 2, file);
      for (const d of docs) {
        const r = schemaFor(d.kind).safeParse(d);
        assert.ok(r.success, `${file}: ${r.success ? "" : r.error.message}`);
      }
    }
  });
});

describe("generated CRDs", () => {
  for (const [file, text] of Object.entries(renderCrdFiles())) {
    test(`crds/${file} is up to date (run node operator/scripts/generate-crds.ts)`, () => {
      assert.equal(readFileSync(join(root, "crds", file), "utf8"), text);
    });

    test(`${file} is structural: every schema node has a type and no unsupported keywords`, () => {
      const crd = parse(text) as { spec: { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] } };
      const walk = (node: Record<string, unknown>, path: string) => {
        assert.ok(typeof node.type === "string", `${path} has no type`);
        for (const bad of ["anyOf", "oneOf", "allOf", "$ref", "additionalProperties", "const", "$schema"]) assert.ok(!(bad in node), `${path} has ${bad}`);
        for (const [k, v] of Object.entries((node.properties as Record<string, Record<string, unknown>>) ?? {})) walk(v, `${path}.${k}`);
        if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
        // CEL cost estimation needs bounds on strings and lists it iterates.
        if (node.type === "string" && node["x-kubernetes-validations"]) assert.ok(node.maxLength || node.enum, `${path} has CEL but no maxLength`);
      };
      walk(crd.spec.versions[0]!.schema.openAPIV3Schema, "");
    });
  }

  test("toStructural drops zod's int bounds and date-time patterns", () => {
    assert.deepEqual(toStructural({ type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 }), { type: "integer" });
    assert.deepEqual(toStructural({ type: "string", format: "date-time", pattern: "^x$", $schema: "y" }), { type: "string", format: "date-time" });
  });
});

describe("setCondition", () => {
  const t0 = new Date("2025-01-01T00:00:00Z");
  const t1 = new Date("2025-01-02T00:00:00Z");
  test("keeps lastTransitionTime when the status does not change", () => {
    const a = setCondition([], { type: "Ready", status: "True", reason: "R", message: "m" }, 1, t0);
    const b = setCondition(a, { type: "Ready", status: "True", reason: "R2", message: "m2" }, 2, t1);
    assert.equal(b[0]!.lastTransitionTime, "2025-01-01T00:00:00Z");
    assert.equal(b[0]!.observedGeneration, 2);
    assert.equal(b[0]!.reason, "R2");
    const c = setCondition(b, { type: "Ready", status: "False", reason: "R3", message: "m3" }, 2, t1);
    assert.equal(c[0]!.lastTransitionTime, "2025-01-02T00:00:00Z");
    assert.equal(c.length, 1);
  });
});
