// The Kubernetes contact source against a real kube-apiserver with the real
// Participant CRD: the outreach ServiceAccount, holding only "list
// participants" and "get secrets" in its namespace (the chart's
// files/outreach-rbac-rules.yaml), follows a Participant's
// spec.contactSecretRef to the Secret with the address.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { InvalidContactError, kubernetesContactSource, type ContactSource } from "../../outreach/contacts.ts";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";

const NS = "study";

// What `--participant-namespace` needs, and nothing more: the chart's Role rules.
const OUTREACH_RULES = parse(readFileSync(new URL("../../charts/wearable-pipeline/files/outreach-rbac-rules.yaml", import.meta.url), "utf8")) as k8s.V1PolicyRule[];

function participant(name: string, participantId: string, contactSecretRef?: { name: string; key?: string }) {
  return {
    apiVersion: "wearables.dev/v1alpha1",
    kind: "Participant",
    metadata: { name, namespace: NS },
    spec: { participantId, source: { synthetic: { seed: 1 } }, ...(contactSecretRef ? { contactSecretRef } : {}) },
  };
}

void describe("Kubernetes contact source (real API server, Participant CRD)", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let cp: ControlPlane;
  let source: ContactSource;

  before(async () => {
    cp = await startControlPlane({ controllerManager: false });
    const admin = cp.kubeConfig;
    const crd = parse(readFileSync(new URL("../../crds/wearables.dev_participants.yaml", import.meta.url), "utf8")) as k8s.V1CustomResourceDefinition;
    await admin.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({ body: crd });
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const secret = (name: string, data: Record<string, string>) =>
      core.createNamespacedSecret({ namespace: NS, body: { metadata: { name }, stringData: data } });
    await secret("p001-contact", { email: "ann.k8s@example.org" });
    await secret("p002-contact", { address: "bob.k8s@example.org" });
    await secret("p003-contact", { email: "not-an-address" });
    const objects = admin.makeApiClient(k8s.CustomObjectsApi);
    const create = (body: object) => objects.createNamespacedCustomObject({ group: "wearables.dev", version: "v1alpha1", namespace: NS, plural: "participants", body });
    // The CRD becomes servable asynchronously.
    for (let i = 0; ; i++) {
      try {
        await create(participant("p001", "P001", { name: "p001-contact" }));
        break;
      } catch (err) {
        if (i > 100) throw err;
        await sleep(200);
      }
    }
    await create(participant("p002", "P002", { name: "p002-contact", key: "address" }));
    await create(participant("p003", "P003", { name: "p003-contact" }));
    await create(participant("p004", "P004"));
    await create(participant("p005", "P005", { name: "missing-secret" }));
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: "outreach" }, rules: OUTREACH_RULES } });
    await rbac.createNamespacedRoleBinding({ namespace: NS, body: {
      metadata: { name: "outreach" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "outreach" },
      subjects: [{ kind: "ServiceAccount", name: "outreach", namespace: NS }],
    } });
    const { kubeConfig } = await cp.serviceAccountKubeconfig(NS, "outreach");
    source = kubernetesContactSource({
      namespace: NS,
      customObjects: kubeConfig.makeApiClient(k8s.CustomObjectsApi),
      core: kubeConfig.makeApiClient(k8s.CoreV1Api),
    });
  });

  after(async () => {
    await cp?.stop();
  });

  test("follows contactSecretRef, with the default key and with a named key", async () => {
    assert.equal(await source.lookup("P001"), "ann.k8s@example.org");
    assert.equal(await source.lookup("P002"), "bob.k8s@example.org");
  });

  test("no Participant, or one without contactSecretRef, means no address", async () => {
    assert.equal(await source.lookup("P404"), null);
    assert.equal(await source.lookup("P004"), null);
  });

  test("a bad address is reported without echoing it; a missing Secret is an error delivery will retry", async () => {
    await assert.rejects(source.lookup("P003"), (err: Error) => {
      assert.ok(err instanceof InvalidContactError);
      assert.equal(err.message, "The contact address for participant P003 in Secret study/p003-contact key email is not a valid email address; correct it there");
      return true;
    });
    await assert.rejects(source.lookup("P005"), (err: k8s.ApiException<unknown>) => err.code === 404);
  });

  test("the ServiceAccount can read no more than it needs", async () => {
    const { kubeConfig } = await cp.serviceAccountKubeconfig(NS, "outreach");
    const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.listNamespacedSecret({ namespace: NS }), (err: k8s.ApiException<unknown>) => err.code === 403);
    await assert.rejects(core.readNamespacedSecret({ namespace: "default", name: "x" }), (err: k8s.ApiException<unknown>) => err.code === 403);
  });
});
