import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";

describe("operator config", () => {
  test("defaults, env, and flags over env", () => {
    const c = loadConfig({ WEARABLE_IMAGE: "img:1", WEARABLE_NAMESPACES: "a, b", WEARABLE_LEADER_ELECT: "false", POD_NAMESPACE: "ops", POD_NAME: "op-0", WEARABLE_JOB_MEMORY_LIMIT: "1Gi" },
      { image: "img:2", "metrics-port": "9090", resync: "30s" }, "host");
    assert.equal(c.image, "img:2");
    assert.deepEqual(c.namespaces, ["a", "b"]);
    assert.equal(c.leaderElect, false);
    assert.equal(c.leaderElectionNamespace, "ops");
    assert.equal(c.identity, "op-0");
    assert.equal(c.metricsPort, 9090);
    assert.equal(c.resyncMs, 30_000);
    assert.equal(c.job.memoryLimit, "1Gi");
    assert.equal(c.job.backoffLimit, 2);
    assert.equal(c.concurrency, 16);
    assert.equal(c.dbSecretName, "wearable-db");
    assert.equal(loadConfig({ WEARABLE_IMAGE: "i" }, {}, "host").identity, "host");
  });

  test("bad settings fail at start with every offending setting named", () => {
    assert.throws(() => loadConfig({ WEARABLE_CONCURRENCY: "0", WEARABLE_NAMESPACES: "Bad_NS", WEARABLE_JOB_CPU_REQUEST: "lots" }, {}, "h"), (err: Error) => {
      assert.match(err.message, /image: set WEARABLE_IMAGE or --image/);
      assert.match(err.message, /concurrency/);
      assert.match(err.message, /namespaces\.0: must be a DNS label/);
      assert.match(err.message, /job\.cpuRequest: must be a Kubernetes quantity/);
      return true;
    });
  });
});
