import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildParticipantIngestCronJob, participantIngestCronJobName } from "./participant-ingest-cronjob.ts";
import { OPTS, participant } from "./builder-fixtures.ts";
import { SPEC_HASH_ANNOTATION } from "./labels.ts";

describe("buildParticipantIngestCronJob", () => {
  test("whole manifest (synthetic source)", (t) => {
    t.assert.snapshot(buildParticipantIngestCronJob(participant(), OPTS));
  });

  test("whole manifest (Google Health source, custom schedule, suspended)", (t) => {
    const pt = participant("p002", {
      participantId: "P002", source: { googleHealth: { secretRef: { name: "p002-google" } } },
      schedule: "15 */4 * * *", timeZone: "Europe/Berlin", suspend: true, metrics: ["heart_rate", "sleep", "spo2"], backfillDays: 90,
    });
    t.assert.snapshot(buildParticipantIngestCronJob(pt, OPTS));
  });

  test("ownership, labels and the no-duplicates guarantees", () => {
    const cj = buildParticipantIngestCronJob(participant(), OPTS);
    assert.deepEqual(cj.metadata?.ownerReferences, [{ apiVersion: "wearables.dev/v1alpha1", kind: "Participant", name: "p001", uid: "uid-p001", controller: true, blockOwnerDeletion: true }]);
    assert.equal(cj.metadata?.labels?.["app.kubernetes.io/managed-by"], "wearable-operator");
    assert.equal(cj.metadata?.labels?.["wearables.dev/participant"], "p001");
    assert.equal(cj.metadata?.labels?.["app.kubernetes.io/component"], "ingest");
    // Jobs and pods inherit the labels, which is how informers find them.
    assert.deepEqual(cj.spec?.jobTemplate.metadata?.labels, cj.metadata?.labels);
    assert.deepEqual(cj.spec?.jobTemplate.spec?.template.metadata?.labels, cj.metadata?.labels);
    assert.equal(cj.spec?.concurrencyPolicy, "Forbid");
    assert.equal(cj.spec?.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec?.failedJobsHistoryLimit, 5);
    assert.equal(cj.metadata?.name, "p001-ingest");
    assert.deepEqual(buildParticipantIngestCronJob(participant(), OPTS), cj, "same input, same output");
  });

  test("job limits and restricted pod security", () => {
    const job = buildParticipantIngestCronJob(participant(), OPTS).spec!.jobTemplate.spec!;
    assert.equal(job.backoffLimit, 2);
    assert.equal(job.activeDeadlineSeconds, 3600);
    assert.equal(job.ttlSecondsAfterFinished, 86400);
    const pod = job.template.spec!;
    assert.equal(pod.restartPolicy, "Never");
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
    assert.equal(pod.automountServiceAccountToken, false, "synthetic ingest needs no API token");
    assert.equal(pod.serviceAccountName, "wearable-job");
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, c.name);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, c.name);
      assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], c.name);
      assert.equal(c.terminationMessagePolicy, "FallbackToLogsOnError", c.name);
      assert.deepEqual(c.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }], c.name);
      assert.deepEqual(c.env?.find((e) => e.name === "DATABASE_URL")?.valueFrom, { secretKeyRef: { name: "wearable-db", key: "url" } });
      assert.deepEqual(c.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
      assert.deepEqual(c.command, ["wearable"]);
    }
    assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]);
    assert.deepEqual(pod.initContainers?.map((c) => c.args), [["migrate"]], "schema is migrated (idempotent, locked) before ingest");
  });

  test("container args follow the jobs contract", () => {
    const syn = buildParticipantIngestCronJob(participant(), OPTS).spec!.jobTemplate.spec!.template.spec!.containers[0]!;
    assert.deepEqual(syn.args, ["ingest", "--participant", "P001", "--source", "synthetic", "--seed", "42", "--profile", "compliant", "--metrics", "heart_rate,steps,sleep", "--backfill-days", "30", "--time-zone", "UTC"]);
    const gh = buildParticipantIngestCronJob(participant("p9", { source: { googleHealth: { secretRef: { name: "tok" } } } }), OPTS);
    const pod = gh.spec!.jobTemplate.spec!.template.spec!;
    assert.deepEqual(pod.containers[0]!.args?.slice(0, 7), ["ingest", "--participant", "P001", "--source", "google-health", "--token-secret", "study-a/tok"]);
    assert.equal(pod.automountServiceAccountToken, true, "the job writes a rotated refresh token back to its Secret");
  });

  test("unset seed and profile are left to the job (it derives the seed from the participant id)", () => {
    const a = buildParticipantIngestCronJob(participant("x", { source: { synthetic: {} } }), OPTS).spec!.jobTemplate.spec!.template.spec!.containers[0]!.args!;
    assert.deepEqual(a.slice(0, 5), ["ingest", "--participant", "P001", "--source", "synthetic"]);
    assert.ok(!a.includes("--seed") && !a.includes("--profile"));
  });

  test("default schedule is spread by name; explicit schedule, time zone and suspend pass through", () => {
    const schedules = new Set(Array.from({ length: 200 }, (_, i) => buildParticipantIngestCronJob(participant(`p${i}`), OPTS).spec!.schedule));
    assert.ok(schedules.size > 150, `only ${schedules.size} distinct schedules for 200 participants`);
    for (const s of schedules) assert.match(s, /^\d{1,2} [0-5]\/6 \* \* \*$/);
    const cj = buildParticipantIngestCronJob(participant("p1", { schedule: "0 3 * * *", timeZone: "Asia/Tokyo", suspend: true }), OPTS);
    assert.equal(cj.spec?.schedule, "0 3 * * *");
    assert.equal(cj.spec?.timeZone, "Asia/Tokyo");
    assert.equal(cj.spec?.suspend, true);
  });

  test("long names are bounded to 52 characters and stay distinct", () => {
    const a = participant("a".repeat(80) + "-one");
    const b = participant("a".repeat(80) + "-two");
    const na = participantIngestCronJobName(a);
    assert.ok(na.length <= 52, na);
    assert.match(na, /-ingest$/);
    assert.notEqual(na, participantIngestCronJobName(b));
    for (const v of Object.values(buildParticipantIngestCronJob(a, OPTS).metadata!.labels!)) assert.ok(v.length <= 63, v);
  });

  test("spec hash changes with the desired state and only then", () => {
    const h = (pt: ReturnType<typeof participant>) => buildParticipantIngestCronJob(pt, OPTS).metadata?.annotations?.[SPEC_HASH_ANNOTATION];
    assert.equal(h(participant()), h(participant()));
    assert.notEqual(h(participant()), h(participant("p001", { suspend: true })));
    assert.notEqual(buildParticipantIngestCronJob(participant(), OPTS).metadata?.annotations?.[SPEC_HASH_ANNOTATION],
      buildParticipantIngestCronJob(participant(), { ...OPTS, image: "other:1" }).metadata?.annotations?.[SPEC_HASH_ANNOTATION]);
  });

  test("jobInit none leaves out the migrate init container", () => {
    const pod = buildParticipantIngestCronJob(participant(), { ...OPTS, jobInit: "none" }).spec!.jobTemplate.spec!.template.spec!;
    assert.equal(pod.initContainers, undefined);
  });

  test("refuses an owner without uid (it would create an unowned, never-collected CronJob)", () => {
    const pt = participant();
    delete pt.metadata.uid;
    assert.throws(() => buildParticipantIngestCronJob(pt, OPTS), /no uid/);
  });
});
