// The API server side of "zod and the CRD agree": the generated CRDs, on a
// real kube-apiserver, accept exactly the fixtures zod accepts (with the same
// defaults) and reject the bad ones with a message that names the fix.
// Also: immutability rules, and `kubectl get pt,ir` columns.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { BAD_FIXTURES, GOOD_FIXTURES, fixtureObject } from "../../operator/src/api/v1alpha1/fixtures.ts";
import { participantSchema } from "../../operator/src/api/v1alpha1/participant-types.ts";
import { imputationRunSchema } from "../../operator/src/api/v1alpha1/imputationrun-types.ts";
import { KubeApiError, KubeClient, RESOURCES } from "../../operator/src/runtime/kube-client.ts";
import { Informer } from "../../operator/src/runtime/informer.ts";
import { createLogger } from "../../lib/logger.ts";
import * as k8s from "@kubernetes/client-node";
import { repoRoot } from "./operator-env.ts";

const NS = "default";
const resourceFor = (kind: string) => (kind === "Participant" ? RESOURCES.participant : RESOURCES.imputationRun);

describe("CRD admission on a real API server", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let cp: ControlPlane;
  let admin: KubeClient;

  before(async () => {
    cp = await startControlPlane({ controllerManager: false });
    cp.kubectl(["apply", "--server-side", "-f", join(repoRoot, "crds")]);
    cp.kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/participants.wearables.dev", "crd/imputationruns.wearables.dev"]);
    admin = new KubeClient(cp.kubeConfig, { qps: 1000, burst: 1000 });
  });
  after(async () => {
    await cp?.stop();
  });

  for (const f of GOOD_FIXTURES) {
    test(`accepts ${f.kind} ${f.name}, with the defaults zod applies`, async () => {
      const created = await admin.create<{ spec: unknown }>(resourceFor(f.kind), NS, fixtureObject(f, NS));
      const schema = f.kind === "Participant" ? participantSchema : imputationRunSchema;
      assert.deepEqual(created.spec, schema.parse(fixtureObject(f, NS)).spec, "server defaults = zod defaults");
    });
  }

  test(`rejects ${BAD_FIXTURES.length} bad specs, each with a message naming the field and the fix`, async () => {
    const failures: string[] = [];
    for (const f of BAD_FIXTURES) {
      try {
        await admin.create(resourceFor(f.kind), NS, fixtureObject(f, NS));
        failures.push(`${f.name}: accepted`);
      } catch (err) {
        assert.ok(err instanceof KubeApiError, String(err));
        const msg = err.message;
        if (err.code !== 422) failures.push(`${f.name}: code ${err.code}`);
        if (!msg.includes(f.expect!)) failures.push(`${f.name}: "${msg}" lacks "${f.expect}"`);
        if (f.serverExpect && !msg.includes(f.serverExpect)) failures.push(`${f.name}: "${msg}" lacks "${f.serverExpect}"`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(BAD_FIXTURES.length >= 10);
  });

  test("the sample CRs in config/samples pass server-side validation", () => {
    cp.kubectl(["create", "namespace", "study-a"]);
    const out = cp.kubectl(["apply", "--dry-run=server", "-f", join(repoRoot, "config/samples")]);
    assert.match(out, /participant.wearables.dev\/p001 created \(server dry run\)/);
    assert.match(out, /imputationrun.wearables.dev\/p001-steps-nightly created \(server dry run\)/);
  });

  test("participantId, participantRef and metric are immutable (CEL transition rules)", async () => {
    await assert.rejects(admin.mergePatch(RESOURCES.participant, NS, "minimal-synthetic", { spec: { participantId: "P999" } }),
      (err: KubeApiError) => err.code === 422 && /participantId is immutable; create a new object/.test(err.message));
    await assert.rejects(admin.mergePatch(RESOURCES.imputationRun, NS, "scheduled", { spec: { metric: "heart_rate" } }),
      (err: KubeApiError) => err.code === 422 && /metric is immutable/.test(err.message));
    // Mutable fields still change.
    await admin.mergePatch(RESOURCES.participant, NS, "minimal-synthetic", { spec: { suspend: true } });
  });

  test("an informer refused by RBAC keeps retrying with backoff and syncs once access is granted", async () => {
    const sa = await cp.serviceAccountKubeconfig("informer-test", "late");
    let restarts = 0;
    const inf = new Informer<{ metadata: { name: string } }>(new KubeClient(sa.kubeConfig, { qps: 100, burst: 100 }), {
      resource: RESOURCES.participant, namespace: NS, log: createLogger({ name: "test", level: "silent" }), onRestart: () => restarts++, minBackoffMs: 200, maxBackoffMs: 1000,
    });
    try {
      await inf.start();
      assert.equal(inf.synced, false);
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(restarts >= 2, `restarts: ${restarts}`);
      const rbac = cp.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
      await rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: "read-pt" }, rules: [{ apiGroups: ["wearables.dev"], resources: ["participants"], verbs: ["list", "watch"] }] } });
      await rbac.createNamespacedRoleBinding({ namespace: NS, body: { metadata: { name: "read-pt" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-pt" }, subjects: [{ kind: "ServiceAccount", name: "late", namespace: "informer-test" }] } });
      const deadline = Date.now() + 15_000;
      while (!(inf.synced && inf.get(NS, "minimal-synthetic")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(inf.synced, "synced after the grant");
      assert.ok(inf.get(NS, "minimal-synthetic"), "cache filled");
      assert.equal(inf.get(NS, "minimal-synthetic")?.metadata && "managedFields" in inf.get(NS, "minimal-synthetic")!.metadata, false, "managedFields dropped from the cache");
    } finally {
      await inf.stop();
    }
  });

  test("kubectl get pt,ir shows Ready, last ingest, 7-day wear and phase; the wearables category lists both", async () => {
    await admin.mergePatch(RESOURCES.participant, NS, "minimal-synthetic", { status: {
      schedule: "41 1/6 * * *",
      lastSuccessfulIngestTime: new Date(Date.now() - 2 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      adherence: { windowDays: 7, wearPercent: 83.3, validDays: 6, reportedAt: "2025-11-10T00:00:00Z" },
      conditions: [{ type: "Ready", status: "True", reason: "Reconciled", message: "owned objects are in sync", lastTransitionTime: "2025-11-10T00:00:00Z" }],
    } }, "status");
    await admin.mergePatch(RESOURCES.imputationRun, NS, "range", { status: { phase: "Succeeded", pointsImputed: 211 } }, "status");
    const out = cp.kubectl(["get", "pt,ir", "-n", NS]);
    const lines = out.split("\n");
    assert.match(lines[0]!, /^NAME\s+PARTICIPANT ID\s+READY\s+SCHEDULE\s+LAST INGEST\s+WEAR 7D %\s+AGE/);
    assert.match(out, /participant\.wearables\.dev\/minimal-synthetic\s+P001\s+True\s+41 1\/6 \* \* \*\s+(120m|2h)\s+83\.3\s+/);
    assert.match(out, /NAME\s+PARTICIPANT\s+METRIC\s+PHASE\s+IMPUTED\s+READY\s+AGE/);
    assert.match(out, /imputationrun\.wearables\.dev\/range\s+p001\s+heart_rate\s+Succeeded\s+211\s/);
    const wide = cp.kubectl(["get", "pt", "-n", NS, "-o", "wide"]);
    assert.match(wide, /VALID DAYS\s+REASON/);
    const cat = cp.kubectl(["get", "wearables", "-n", NS, "-o", "name"]);
    assert.match(cat, /participant\.wearables\.dev\/minimal-synthetic/);
    assert.match(cat, /imputationrun\.wearables\.dev\/range/);
  });
});
