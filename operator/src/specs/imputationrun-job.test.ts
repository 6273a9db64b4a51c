import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildImputationRunJob } from "./imputationrun-job.ts";
import { OPTS, imputationRun, participant } from "./builder-fixtures.ts";

describe("buildImputationRunJob", () => {
  test("whole manifest", (t) => {
    t.assert.snapshot(buildImputationRunJob(imputationRun(), participant(), OPTS));
  });

  test("null for a scheduled run", () => {
    assert.equal(buildImputationRunJob(imputationRun("x", { from: undefined, to: undefined, lookback: "7d", schedule: "@daily" }), participant(), OPTS), null);
  });

  test("args use the Participant's participantId and the run's range", () => {
    const job = buildImputationRunJob(imputationRun(), participant("p001", { participantId: "S-17" }), OPTS)!;
    assert.deepEqual(job.spec?.template.spec?.containers[0]?.args, [
      "impute", "--participant", "S-17", "--metric", "heart_rate", "--from", "2025-11-01T00:00:00Z", "--to", "2025-11-08T00:00:00Z", "--method", "auto", "--max-gap", "120m",
    ]);
    const lb = buildImputationRunJob(imputationRun("x", { from: undefined, to: undefined, lookback: "3d", method: "linear" }), participant(), OPTS)!;
    assert.deepEqual(lb.spec?.template.spec?.containers[0]?.args?.slice(5), ["--lookback", "3d", "--method", "linear", "--max-gap", "120m"]);
  });

  test("name is stable for the same work and changes with it", () => {
    const a = buildImputationRunJob(imputationRun(), participant(), OPTS)!.metadata!.name!;
    assert.equal(buildImputationRunJob(imputationRun(), participant(), OPTS)!.metadata!.name, a);
    assert.match(a, /^p001-hr-[0-9a-f]{8}$/);
    assert.notEqual(buildImputationRunJob(imputationRun("p001-hr", { method: "locf" }), participant(), OPTS)!.metadata!.name, a);
    const long = buildImputationRunJob(imputationRun("r".repeat(100)), participant(), OPTS)!.metadata!.name!;
    assert.ok(long.length <= 63, long);
  });

  test("owned by the ImputationRun, labelled with participant and run, job limits set", () => {
    const job = buildImputationRunJob(imputationRun(), participant(), OPTS)!;
    assert.equal(job.metadata?.ownerReferences?.[0]?.kind, "ImputationRun");
    assert.equal(job.metadata?.ownerReferences?.[0]?.uid, "uid-p001-hr");
    assert.equal(job.metadata?.labels?.["wearables.dev/participant"], "p001");
    assert.equal(job.metadata?.labels?.["wearables.dev/imputationrun"], "p001-hr");
    assert.equal(job.spec?.backoffLimit, 2);
    assert.equal(job.spec?.activeDeadlineSeconds, 3600);
    assert.equal(job.spec?.ttlSecondsAfterFinished, 86400);
    assert.equal(job.spec?.template.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem, true);
  });
});
