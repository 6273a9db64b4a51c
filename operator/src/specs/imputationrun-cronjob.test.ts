import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildImputationRunCronJob } from "./imputationrun-cronjob.ts";
import { OPTS, imputationRun, participant } from "./builder-fixtures.ts";

const scheduled = (spec: Record<string, unknown> = {}) =>
  imputationRun("p001-hr-nightly", { from: undefined, to: undefined, lookback: "2d", schedule: "30 4 * * *", ...spec });

describe("buildImputationRunCronJob", () => {
  test("null for a one-shot run", () => {
    assert.equal(buildImputationRunCronJob(imputationRun(), participant(), OPTS), null);
  });

  test("whole manifest", (t) => {
    t.assert.snapshot(buildImputationRunCronJob(scheduled(), participant(), OPTS));
  });

  test("schedule, Forbid, time zone from the Participant unless set, suspended with either", () => {
    const cj = buildImputationRunCronJob(scheduled(), participant("p001", { timeZone: "Europe/Oslo" }), OPTS)!;
    assert.equal(cj.metadata?.name, "p001-hr-nightly-ir");
    assert.equal(cj.spec?.schedule, "30 4 * * *");
    assert.equal(cj.spec?.concurrencyPolicy, "Forbid");
    assert.equal(cj.spec?.timeZone, "Europe/Oslo");
    assert.equal(buildImputationRunCronJob(scheduled({ timeZone: "UTC" }), participant("p001", { timeZone: "Europe/Oslo" }), OPTS)!.spec?.timeZone, "UTC");
    assert.equal(cj.spec?.suspend, false);
    assert.equal(buildImputationRunCronJob(scheduled({ suspend: true }), participant(), OPTS)!.spec?.suspend, true);
    assert.equal(buildImputationRunCronJob(scheduled(), participant("p001", { suspend: true }), OPTS)!.spec?.suspend, true);
    assert.deepEqual(cj.spec?.jobTemplate.spec?.template.spec?.containers[0]?.args?.slice(5, 7), ["--lookback", "2d"]);
    assert.equal(cj.spec?.jobTemplate.metadata?.labels?.["wearables.dev/imputationrun"], "p001-hr-nightly");
  });
});
