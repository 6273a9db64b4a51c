import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { computeParticipantStatus, ingestTransition } from "./participant-status.ts";
import { participant } from "../specs/builder-fixtures.ts";
import type { JobOutcome } from "./job-outcome.ts";
import { jobOutcome, parseTerminationMessage } from "./job-outcome.ts";

const now = new Date("2025-11-10T12:00:00Z");
const ok = (name: string, at: string, summary?: object): JobOutcome => ({ name, state: "succeeded", finishedAt: at, summaries: summary ? [summary] : [] });
const bad = (name: string, at: string, message = "BackoffLimitExceeded"): JobOutcome => ({ name, state: "failed", finishedAt: at, message, summaries: [] });
const summary = (wear: number) => ({ kind: "ingest", participantId: "P001", rowsWritten: 1440, rowsRejected: 2, lastSampleTime: "2025-11-10T11:59:00Z", adherence: { windowDays: 7, wearPercent: wear, validDays: 5 } });
const obs = (jobs: JobOutcome[], extra = {}) => ({ cronJobName: "p001-ingest", schedule: "7 1/6 * * *", jobs, now, ...extra });
const cond = (s: ReturnType<typeof computeParticipantStatus>, type: string) => s.conditions?.find((c) => c.type === type);

describe("computeParticipantStatus", () => {
  test("fresh participant: Ready, Scheduled, IngestHealthy Unknown", () => {
    const s = computeParticipantStatus(participant(), obs([]));
    assert.equal(cond(s, "Ready")?.status, "True");
    assert.equal(cond(s, "Ready")?.observedGeneration, 1);
    assert.equal(cond(s, "Scheduled")?.status, "True");
    assert.equal(cond(s, "IngestHealthy")?.status, "Unknown");
    assert.equal(s.schedule, "7 1/6 * * *");
    assert.equal(s.consecutiveIngestFailures, 0);
    assert.equal(s.lastSuccessfulIngestTime, undefined);
  });

  test("success fills times, last ingest and adherence from the termination message", () => {
    const s = computeParticipantStatus(participant(), obs([ok("j1", "2025-11-10T01:10:00Z", summary(82.46)), { name: "j2", state: "running", summaries: [] }]));
    assert.equal(s.lastSuccessfulIngestTime, "2025-11-10T01:10:00Z");
    assert.deepEqual(s.adherence, { windowDays: 7, wearPercent: 82.5, validDays: 5, reportedAt: "2025-11-10T01:10:00Z" });
    assert.deepEqual(s.lastIngest, { jobName: "j1", rowsWritten: 1440, rowsRejected: 2, lastSampleTime: "2025-11-10T11:59:00Z" });
    assert.equal(cond(s, "IngestHealthy")?.status, "True");
    assert.match(cond(s, "IngestHealthy")!.message, /1440 rows/);
  });

  test("failures after a success make IngestHealthy and Ready False and count up", () => {
    const s = computeParticipantStatus(participant(), obs([ok("j1", "2025-11-10T01:00:00Z"), bad("j2", "2025-11-10T07:00:00Z"), bad("j3", "2025-11-10T13:00:00Z", "DeadlineExceeded: token revoked")]));
    assert.equal(s.consecutiveIngestFailures, 2);
    assert.equal(s.lastFailedIngestTime, "2025-11-10T13:00:00Z");
    assert.equal(cond(s, "IngestHealthy")?.status, "False");
    assert.equal(cond(s, "Ready")?.reason, "IngestFailed");
    assert.match(cond(s, "Ready")!.message, /token revoked/);
  });

  test("times survive Jobs removed by history limits; counts never drop while still failing", () => {
    const pt = participant();
    pt.status = { lastSuccessfulIngestTime: "2025-11-09T00:00:00Z", lastFailedIngestTime: "2025-11-10T00:00:00Z", consecutiveIngestFailures: 7, adherence: { windowDays: 7, wearPercent: 50, validDays: 3, reportedAt: "2025-11-09T00:00:00Z" } };
    const s = computeParticipantStatus(pt, obs([bad("j9", "2025-11-10T06:00:00Z")]));
    assert.equal(s.lastSuccessfulIngestTime, "2025-11-09T00:00:00Z");
    assert.equal(s.consecutiveIngestFailures, 7);
    assert.equal(s.adherence?.wearPercent, 50);
    const recovered = computeParticipantStatus(pt, obs([ok("j10", "2025-11-10T12:00:00Z", summary(90))]));
    assert.equal(recovered.consecutiveIngestFailures, 0);
    assert.equal(recovered.adherence?.wearPercent, 90);
  });

  test("suspend and apply errors", () => {
    const s = computeParticipantStatus(participant("p", { suspend: true }), obs([]));
    assert.equal(cond(s, "Scheduled")?.reason, "Suspended");
    assert.equal(cond(s, "Ready")?.status, "True");
    const e = computeParticipantStatus(participant(), obs([], { applyError: "unknown time zone Mars/Base" }));
    assert.equal(cond(e, "Ready")?.status, "False");
    assert.equal(cond(e, "Ready")?.reason, "ApplyFailed");
  });

  test("recomputing an unchanged status yields an identical object (no write)", () => {
    const pt = participant();
    const s1 = computeParticipantStatus(pt, obs([ok("j1", "2025-11-10T01:00:00Z", summary(80))]));
    pt.status = s1;
    const s2 = computeParticipantStatus(pt, { ...obs([ok("j1", "2025-11-10T01:00:00Z", summary(80))]), now: new Date("2025-11-11T00:00:00Z") });
    assert.deepEqual(s2, s1);
  });

  test("transition events", () => {
    const pt = participant();
    const healthy = computeParticipantStatus(pt, obs([ok("j1", "2025-11-10T01:00:00Z")]));
    const failing = computeParticipantStatus({ ...pt, status: healthy }, obs([ok("j1", "2025-11-10T01:00:00Z"), bad("j2", "2025-11-10T07:00:00Z")]));
    assert.equal(ingestTransition(healthy, failing)?.reason, "IngestFailed");
    assert.equal(ingestTransition(failing, failing), undefined);
    const back = computeParticipantStatus({ ...pt, status: failing }, obs([ok("j3", "2025-11-10T13:00:00Z")]));
    assert.equal(ingestTransition(failing, back)?.reason, "IngestRecovered");
  });
});

describe("lastImputation", () => {
  const impute = (name: string, at: string, state: "succeeded" | "failed", points?: number): JobOutcome => ({
    name, state, finishedAt: at, summaries: points === undefined ? [] : [{ kind: "impute", gapsFound: 4, gapsFilled: 3, gapsSkipped: 1, pointsImputed: points }],
    ...(state === "failed" ? { message: "BackoffLimitExceeded: last output: could not connect to the database" } : {}),
  });

  test("the newest finished imputation Job, with its counts; none without imputation Jobs", () => {
    assert.equal(computeParticipantStatus(participant(), obs([])).lastImputation, undefined);
    const s = computeParticipantStatus(participant(), obs([], { imputeJobs: [impute("i1", "2025-11-10T02:00:00Z", "succeeded", 90), impute("i2", "2025-11-10T03:00:00Z", "succeeded", 120), { name: "i3", state: "running", summaries: [] }] }));
    assert.deepEqual(s.lastImputation, { jobName: "i2", result: "Succeeded", finishedAt: "2025-11-10T03:00:00Z", gapsFound: 4, gapsFilled: 3, pointsImputed: 120 });
  });

  test("a Job with one step per metric reports the sum of its steps", () => {
    const twoSteps: JobOutcome = { name: "i1", state: "succeeded", finishedAt: "2025-11-10T02:00:00Z", summaries: [
      { kind: "impute", gapsFound: 5, gapsFilled: 4, gapsSkipped: 1, pointsImputed: 100 },
      { kind: "impute", gapsFound: 2, gapsFilled: 0, gapsSkipped: 2, pointsImputed: 0 },
    ] };
    const s = computeParticipantStatus(participant(), obs([], { imputeJobs: [twoSteps] }));
    assert.deepEqual([s.lastImputation?.gapsFound, s.lastImputation?.gapsFilled, s.lastImputation?.pointsImputed], [7, 4, 100]);
  });

  test("a failure says why; an older Job (or none, after TTL) never replaces a newer result", () => {
    const failed = computeParticipantStatus(participant(), obs([], { imputeJobs: [impute("i1", "2025-11-10T02:00:00Z", "succeeded", 90), impute("i2", "2025-11-10T03:00:00Z", "failed")] }));
    assert.deepEqual(failed.lastImputation, { jobName: "i2", result: "Failed", finishedAt: "2025-11-10T03:00:00Z", message: "BackoffLimitExceeded: last output: could not connect to the database" });
    const pt = { ...participant(), status: failed };
    assert.deepEqual(computeParticipantStatus(pt, obs([], { imputeJobs: [impute("i1", "2025-11-10T02:00:00Z", "succeeded", 90)] })).lastImputation, failed.lastImputation);
    assert.deepEqual(computeParticipantStatus(pt, obs([])).lastImputation, failed.lastImputation);
    assert.equal(cond(failed, "Ready")?.status, "True", "imputation does not decide Ready: ingest does");
  });
});

describe("job outcome", () => {
  test("the ingest job's own summary shape: null adherence and an error on failure", () => {
    const failed = jobOutcome({ metadata: { name: "f" }, status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", lastTransitionTime: "2025-11-10T02:00:00Z" }] } } as never,
      [{ status: { containerStatuses: [{ state: { terminated: { exitCode: 1, message: JSON.stringify({ kind: "ingest", participantId: "P1", rowsWritten: 0, rowsRejected: 0, lastSampleTime: null, adherence: null, error: "invalid_grant: token revoked" }) } } }] } } as never]);
    assert.match(failed.message!, /BackoffLimitExceeded: last output: invalid_grant: token revoked$/);
    const s = computeParticipantStatus(participant(), obs([{ name: "j", state: "succeeded", finishedAt: "2025-11-10T01:00:00Z", summaries: [{ kind: "ingest", participantId: "P1", rowsWritten: 5, rowsRejected: 0, lastSampleTime: null, adherence: null }] }]));
    assert.deepEqual(s.lastIngest, { jobName: "j", rowsWritten: 5, rowsRejected: 0 });
    assert.equal(s.adherence, undefined);
  });

  test("parses the last JSON line of a termination message", () => {
    assert.deepEqual(parseTerminationMessage('log line\n{"kind":"impute","gapsFound":1}\n'), { kind: "impute", gapsFound: 1 });
    assert.equal(parseTerminationMessage("Error: boom"), undefined);
    assert.equal(parseTerminationMessage('{"kind": trunc'), undefined);
  });

  test("reads result, time and summaries from Job and Pod", () => {
    const job = { metadata: { name: "j" }, status: { startTime: "2025-11-10T01:00:00Z", completionTime: "2025-11-10T01:02:00Z", conditions: [{ type: "Complete", status: "True" }] } };
    const pod = { metadata: { creationTimestamp: "2025-11-10T01:00:00Z" }, status: {
      initContainerStatuses: [{ name: "migrate", state: { terminated: { exitCode: 0, message: "" } } }],
      containerStatuses: [{ name: "ingest", state: { terminated: { exitCode: 0, message: JSON.stringify(summary(70)) } } }],
    } };
    const o = jobOutcome(job as never, [pod as never]);
    assert.equal(o.state, "succeeded");
    assert.equal(o.finishedAt, "2025-11-10T01:02:00Z");
    assert.equal((o.summaries[0] as { rowsWritten: number }).rowsWritten, 1440);
    const failed = jobOutcome({ metadata: { name: "f" }, status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit", lastTransitionTime: "2025-11-10T02:00:00Z" }] } } as never,
      [{ status: { containerStatuses: [{ state: { terminated: { exitCode: 1, message: "Error: invalid_grant: refresh token revoked" } } }] } } as never]);
    assert.equal(failed.state, "failed");
    assert.equal(failed.finishedAt, "2025-11-10T02:00:00Z");
    assert.match(failed.message!, /BackoffLimitExceeded.*refresh token revoked/);
  });
});
