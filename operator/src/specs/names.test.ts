import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { boundedName, labelValue } from "./names.ts";
import { buildLabels } from "./labels.ts";
import { defaultImputeSchedule, defaultIngestSchedule } from "./schedule.ts";

describe("names, labels and default schedules", () => {
  test("boundedName keeps short names and hashes long ones", () => {
    assert.equal(boundedName("p1", "-ingest", 52), "p1-ingest");
    const long = boundedName("x".repeat(60), "-ingest", 52);
    assert.equal(long.length, 52);
    assert.match(long, /^x+-[0-9a-f]{8}-ingest$/);
    assert.equal(boundedName("x".repeat(60), "-ingest", 52), long);
    assert.match(boundedName("ab.".repeat(30), "", 63), /^[a-z0-9].*[a-z0-9]$/, "no trailing separator before the hash");
    assert.equal(labelValue("a".repeat(63)), "a".repeat(63));
  });

  test("buildLabels: the app.kubernetes.io set plus participant (and run)", () => {
    assert.deepEqual(buildLabels({ component: "impute", instance: "r1", participant: "p1", imputationRun: "r1" }), {
      "app.kubernetes.io/name": "wearable-pipeline",
      "app.kubernetes.io/instance": "r1",
      "app.kubernetes.io/component": "impute",
      "app.kubernetes.io/part-of": "wearable-pipeline",
      "app.kubernetes.io/managed-by": "wearable-operator",
      "wearables.dev/participant": "p1",
      "wearables.dev/imputationrun": "r1",
    });
  });

  test("default schedules: deterministic, namespace-aware, valid cron, evenly spread minutes", () => {
    assert.equal(defaultIngestSchedule("ns", "p1"), defaultIngestSchedule("ns", "p1"));
    assert.notEqual(defaultIngestSchedule("ns-a", "p1"), defaultIngestSchedule("ns-b", "p1"));
    const minutes = new Array<number>(60).fill(0);
    for (let i = 0; i < 6000; i++) minutes[Number(defaultIngestSchedule("ns", `p${i}`).split(" ")[0])]! += 1;
    // 100 per minute expected; a hash that clusters would blow well past these bounds.
    assert.ok(Math.max(...minutes) < 160 && Math.min(...minutes) > 50, `minute buckets ${Math.min(...minutes)}..${Math.max(...minutes)}`);
    assert.match(defaultImputeSchedule("ns", "p1"), /^\d{1,2} [3-8] \* \* \*$/);
  });
});
