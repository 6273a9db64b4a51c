import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { applyReason, isSubset } from "./apply.ts";

describe("apply decisions", () => {
  test("isSubset ignores server-added fields but not changed or reordered list items", () => {
    assert.ok(isSubset({ a: 1, b: { c: [1, { d: 2 }] } }, { a: 1, x: 9, b: { c: [1, { d: 2, e: 3 }] } }));
    assert.ok(!isSubset({ a: [1, 2] }, { a: [2, 1] }));
    assert.ok(!isSubset({ a: [1] }, { a: [1, 2] }));
    assert.ok(!isSubset({ a: { b: 1 } }, { a: null }));
    assert.ok(isSubset({ a: undefined }, {}));
  });

  test("applyReason: missing, changed (hash), drifted (hand edit), or null", () => {
    const desired = { metadata: { name: "x", annotations: { "wearables.dev/spec-hash": "h1" }, labels: { l: "1" } }, spec: { schedule: "1 * * * *" } };
    assert.equal(applyReason(desired, undefined), "missing");
    assert.equal(applyReason(desired, { metadata: { annotations: { "wearables.dev/spec-hash": "h0" }, labels: { l: "1" } }, spec: { schedule: "1 * * * *" } }), "changed");
    assert.equal(applyReason(desired, { metadata: { annotations: { "wearables.dev/spec-hash": "h1" }, labels: { l: "1" } }, spec: { schedule: "2 * * * *" } }), "drifted");
    assert.equal(applyReason(desired, { metadata: { annotations: { "wearables.dev/spec-hash": "h1", other: "x" }, labels: { l: "1", m: "2" } }, spec: { schedule: "1 * * * *", suspend: false } }), null);
  });
});

describe("status merge patch", () => {
  test("removed keys become null at every depth; lists are replaced", async () => {
    const { mergePatchBody } = await import("../controllers/status-patch.ts");
    assert.deepEqual(
      mergePatchBody({ a: 1, b: { c: 1, d: 2 }, e: [1, 2], f: "x" }, { a: 2, b: { c: 1 }, e: [3] }),
      { a: 2, b: { c: 1, d: null }, e: [3], f: null },
    );
  });
});
