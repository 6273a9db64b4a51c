import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildParticipantImputeCronJob } from "./participant-impute-cronjob.ts";
import { OPTS, participant } from "./builder-fixtures.ts";

const withImputation = (extra: Record<string, unknown> = {}) => participant("p001", {
  imputation: { metrics: [{ metric: "heart_rate", method: "seasonal" }, { metric: "steps" }], ...extra },
});

describe("buildParticipantImputeCronJob", () => {
  test("null without spec.imputation", () => {
    assert.equal(buildParticipantImputeCronJob(participant(), OPTS), null);
  });

  test("whole manifest", (t) => {
    t.assert.snapshot(buildParticipantImputeCronJob(withImputation(), OPTS));
  });

  test("one step per metric, in order, after migrate; the last is the main container", () => {
    const pod = buildParticipantImputeCronJob(withImputation(), OPTS)!.spec!.jobTemplate.spec!.template.spec!;
    assert.deepEqual(pod.initContainers?.map((c) => c.name), ["migrate", "impute-heart-rate"]);
    assert.deepEqual(pod.initContainers?.[1]?.args, ["impute", "--participant", "P001", "--metric", "heart_rate", "--lookback", "7d", "--method", "seasonal", "--max-gap", "120m"]);
    assert.deepEqual(pod.containers.map((c) => c.name), ["impute-steps"]);
    assert.deepEqual(pod.containers[0]?.args, ["impute", "--participant", "P001", "--metric", "steps", "--lookback", "7d", "--method", "auto", "--max-gap", "120m"]);
    assert.equal(pod.automountServiceAccountToken, false);
  });

  test("labels, ownership, Forbid, default schedule after ingest, explicit schedule", () => {
    const cj = buildParticipantImputeCronJob(withImputation(), OPTS)!;
    assert.equal(cj.metadata?.name, "p001-impute");
    assert.equal(cj.metadata?.labels?.["app.kubernetes.io/component"], "impute");
    assert.equal(cj.metadata?.ownerReferences?.[0]?.uid, "uid-p001");
    assert.equal(cj.spec?.concurrencyPolicy, "Forbid");
    assert.match(cj.spec!.schedule, /^\d{1,2} [3-8] \* \* \*$/);
    assert.equal(buildParticipantImputeCronJob(withImputation({ schedule: "@daily" }), OPTS)!.spec?.schedule, "@daily");
    assert.equal(buildParticipantImputeCronJob(participant("p001", { suspend: true, imputation: { metrics: [{ metric: "steps" }] } }), OPTS)!.spec?.suspend, true);
  });
});
