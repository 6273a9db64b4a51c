import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { computeImputationRunStatus } from "./imputationrun-status.ts";
import { imputationRun } from "../specs/builder-fixtures.ts";

const now = new Date("2025-11-10T12:00:00Z");
const summary = { kind: "impute", gapsFound: 4, gapsFilled: 3, gapsSkipped: 1, pointsImputed: 57 };
const base = { workloadName: "r-1234abcd", scheduled: false, now };

describe("computeImputationRunStatus", () => {
  test("missing Participant: Pending with a message that says what to fix", () => {
    const s = computeImputationRunStatus(imputationRun(), { ...base, jobs: [], participantMissing: "Participant p001 not found in namespace study-a; create it or fix spec.participantRef.name" });
    assert.equal(s.phase, "Pending");
    assert.equal(s.conditions?.[0]?.reason, "ParticipantNotFound");
    assert.match(s.message!, /fix spec.participantRef.name/);
  });

  test("one-shot: Pending -> Running -> Succeeded with counts, or Failed with the reason", () => {
    assert.equal(computeImputationRunStatus(imputationRun(), { ...base, jobs: [] }).phase, "Pending");
    const running = computeImputationRunStatus(imputationRun(), { ...base, jobs: [{ name: "r-1234abcd", state: "running", startTime: "2025-11-10T11:00:00Z", summaries: [] }] });
    assert.equal(running.phase, "Running");
    const done = computeImputationRunStatus(imputationRun(), { ...base, jobs: [{ name: "r-1234abcd", state: "succeeded", startTime: "2025-11-10T11:00:00Z", finishedAt: "2025-11-10T11:05:00Z", summaries: [summary] }] });
    assert.deepEqual([done.phase, done.pointsImputed, done.gapsFound, done.gapsSkipped, done.completionTime], ["Succeeded", 57, 4, 1, "2025-11-10T11:05:00Z"]);
    assert.equal(done.conditions?.find((c) => c.type === "Complete")?.status, "True");
    const failed = computeImputationRunStatus(imputationRun(), { ...base, jobs: [{ name: "r-1234abcd", state: "failed", finishedAt: "2025-11-10T11:05:00Z", message: "DeadlineExceeded", summaries: [] }] });
    assert.equal(failed.phase, "Failed");
    assert.equal(failed.message, "DeadlineExceeded");
  });

  test("a finished run whose Job was removed by its TTL keeps its result (and is not re-run)", () => {
    const ir = imputationRun();
    ir.status = { phase: "Succeeded", jobName: "r-1234abcd", pointsImputed: 57 };
    assert.deepEqual(computeImputationRunStatus(ir, { ...base, jobs: [] }), ir.status);
  });

  test("scheduled: phase Scheduled (or Suspended), counts from the newest finished Job", () => {
    const ir = imputationRun("n", { from: undefined, to: undefined, lookback: "2d", schedule: "@daily" });
    const s = computeImputationRunStatus(ir, { ...base, scheduled: true, workloadName: "n-ir", lastScheduleTime: "2025-11-10T00:00:00Z", jobs: [
      { name: "a", state: "succeeded", finishedAt: "2025-11-09T00:05:00Z", summaries: [{ ...summary, pointsImputed: 1 }] },
      { name: "b", state: "succeeded", finishedAt: "2025-11-10T00:05:00Z", summaries: [summary] },
      { name: "c", state: "running", summaries: [] },
    ] });
    assert.deepEqual([s.phase, s.pointsImputed, s.lastScheduleTime, s.jobName], ["Scheduled", 57, "2025-11-10T00:00:00Z", "n-ir"]);
    const suspended = imputationRun("n", { from: undefined, to: undefined, lookback: "2d", schedule: "@daily", suspend: true });
    assert.equal(computeImputationRunStatus(suspended, { ...base, scheduled: true, workloadName: "n-ir", jobs: [] }).phase, "Suspended");
  });
});
