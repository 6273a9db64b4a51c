// The Kubernetes Secret token store on a real kube-apiserver, used by the
// Google Health client against the double: refresh-token rotation is written
// back with an optimistic-concurrency replace (a 409 is re-read and retried),
// under a least-privilege Role; missing Secrets, keys and RBAC give
// actionable PermanentSourceErrors.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { startControlPlane, type ControlPlane } from "../../../test/harness/control-plane.ts";
import { PermanentSourceError } from "../types.ts";
import { createGoogleHealthSource } from "./client.ts";
import { startGoogleHealthDouble, type GoogleHealthDouble } from "./double/server.ts";
import { createSecretTokenStore, parseSecretRef } from "./secret-token-store.ts";

const NS = "study";
const NOW = new Date("2026-11-20T12:00:00Z");
const window = { from: new Date("2026-11-15T00:00:00Z"), to: new Date("2026-11-19T00:00:00Z") };
const fastRetry = { baseDelayMs: 10, maxDelayMs: 50 };
const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: string | undefined) => Buffer.from(s ?? "", "base64").toString("utf8");

describe("parseSecretRef", () => {
  test("accepts NAMESPACE/NAME and names the flag otherwise", () => {
    assert.deepEqual(parseSecretRef("study-a/p001-google.oauth"), { namespace: "study-a", name: "p001-google.oauth" });
    for (const bad of ["p001", "a/b/c", "Study/x", "/x", "x/", "a b/c"]) assert.throws(() => parseSecretRef(bad), /--token-secret: ".*" is not NAMESPACE\/NAME/);
  });
});

describe("Kubernetes Secret token store", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let cp: ControlPlane;
  let core: k8s.CoreV1Api;
  let double: GoogleHealthDouble;
  let ingestKc: k8s.KubeConfig;
  let readOnlyKc: k8s.KubeConfig;

  const putSecret = async (name: string, data: Record<string, string>) => {
    await core.deleteNamespacedSecret({ namespace: NS, name }).catch(() => undefined);
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) },
    });
  };
  const readSecret = (name: string) => core.readNamespacedSecret({ namespace: NS, name });
  const sourceFor = (name: string, kubeConfig = ingestKc) =>
    createGoogleHealthSource({
      tokenStore: createSecretTokenStore({ namespace: NS, name, kubeConfig }),
      apiBaseUrl: double.url,
      tokenUrl: double.tokenUrl,
      retry: fastRetry,
    });
  const drain = async (src: ReturnType<typeof sourceFor>) => {
    let n = 0;
    for await (const page of src.samples("resting_heart_rate", window)) n += page.length;
    return n;
  };

  before(async () => {
    cp = await startControlPlane({ controllerManager: false });
    core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const rbac = cp.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    // Least privilege: get/update on the named Secrets only.
    const role = (name: string, verbs: string[], names: string[]) =>
      rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name }, rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: names, verbs }] } });
    const bind = (name: string) =>
      rbac.createNamespacedRoleBinding({
        namespace: NS,
        body: { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name }, subjects: [{ kind: "ServiceAccount", name, namespace: NS }] },
      });
    await role("ingest", ["get", "update"], ["p001-google", "p002-google", "p003-google", "missing-google", "p004-google"]);
    await bind("ingest");
    await role("read-only", ["get"], ["p001-google"]);
    await bind("read-only");
    ingestKc = (await cp.serviceAccountKubeconfig(NS, "ingest")).kubeConfig;
    readOnlyKc = (await cp.serviceAccountKubeconfig(NS, "read-only")).kubeConfig;
    double = await startGoogleHealthDouble({ now: () => NOW, rotateRefreshTokens: true });
  });
  after(async () => {
    await double?.close();
    await cp?.stop();
  });

  test("a rotated refresh token is written back to the Secret before it is used, and a re-run uses it", async () => {
    const { refreshToken } = double.addUser({ participantId: "p001", seed: 1, profile: "compliant" });
    await putSecret("p001-google", { client_id: double.clientId, client_secret: double.clientSecret, refresh_token: refreshToken });
    const before = await readSecret("p001-google");
    assert.ok((await drain(sourceFor("p001-google"))) > 0);
    const afterRun = await readSecret("p001-google");
    const stored = unb64(afterRun.data?.refresh_token);
    assert.notEqual(stored, refreshToken);
    assert.equal(stored, double.refreshTokenOf("p001"));
    assert.notEqual(afterRun.metadata?.resourceVersion, before.metadata?.resourceVersion);
    assert.equal(unb64(afterRun.data?.client_secret), double.clientSecret, "other keys untouched");
    // The next run (a new Job) reads the rotated token; the old one no longer works.
    double.expireAccessTokens();
    assert.ok((await drain(sourceFor("p001-google"))) > 0);
    assert.equal(unb64((await readSecret("p001-google")).data?.refresh_token), double.refreshTokenOf("p001"));
  });

  test("a concurrent change to the Secret (409 Conflict) is re-read and the replace retried", async () => {
    await putSecret("p002-google", { client_id: "c", client_secret: "s", refresh_token: "old" });
    const real = ingestKc.makeApiClient(k8s.CoreV1Api);
    let replaces = 0;
    let conflicts = 0;
    const racing: Pick<k8s.CoreV1Api, "readNamespacedSecret" | "replaceNamespacedSecret"> = {
      readNamespacedSecret: (p) => real.readNamespacedSecret(p),
      async replaceNamespacedSecret(p) {
        if (replaces++ === 0) {
          // Someone else updates the Secret between our read and our replace.
          await core.patchNamespacedSecret(
            { namespace: NS, name: "p002-google", body: { metadata: { labels: { touched: "yes" } } } },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
          );
        }
        try {
          return await real.replaceNamespacedSecret(p);
        } catch (err) {
          if ((err as { code?: number }).code === 409) conflicts++;
          throw err;
        }
      },
    };
    const store = createSecretTokenStore({ namespace: NS, name: "p002-google", kubeConfig: ingestKc, coreApi: racing });
    await store.saveRefreshToken("new", "old");
    assert.equal(conflicts, 1, "the stale resourceVersion was refused by the API server");
    assert.equal(replaces, 2);
    const s = await readSecret("p002-google");
    assert.equal(unb64(s.data?.refresh_token), "new");
    assert.equal(s.metadata?.labels?.touched, "yes", "the concurrent change was not overwritten");
  });

  test("parallel writers all succeed and one token wins", async () => {
    await putSecret("p003-google", { client_id: "c", client_secret: "s", refresh_token: "old" });
    const tokens = ["t1", "t2", "t3", "t4"];
    await Promise.all(tokens.map((t) => createSecretTokenStore({ namespace: NS, name: "p003-google", kubeConfig: ingestKc, maxConflictRetries: 10 }).saveRefreshToken(t, "old")));
    assert.ok(tokens.includes(unb64((await readSecret("p003-google")).data?.refresh_token)));
  });

  test("a revoked refresh token in the Secret ends the job with re-consent instructions naming the Secret", async () => {
    const { refreshToken } = double.addUser({ participantId: "p004", seed: 4, profile: "compliant" });
    await putSecret("p004-google", { client_id: double.clientId, client_secret: double.clientSecret, refresh_token: refreshToken });
    double.revokeRefreshTokens("p004");
    await assert.rejects(drain(sourceFor("p004-google")), (err: Error) => {
      assert.ok(err instanceof PermanentSourceError);
      assert.match(err.message, /Secret study\/p004-google/);
      assert.match(err.message, /re-consent/);
      return true;
    });
    assert.equal(unb64((await readSecret("p004-google")).data?.refresh_token), refreshToken, "Secret left as it was");
  });

  test("missing Secret, missing key and missing RBAC give actionable permanent errors", async () => {
    const load = (name: string, kubeConfig = ingestKc) => createSecretTokenStore({ namespace: NS, name, kubeConfig }).load();
    await assert.rejects(load("missing-google"), (e: Error) => e instanceof PermanentSourceError && /Secret study\/missing-google not found; create it with keys client_id, client_secret, refresh_token/.test(e.message));
    await putSecret("p003-google", { client_id: "c", client_secret: "s" });
    await assert.rejects(load("p003-google"), (e: Error) => e instanceof PermanentSourceError && /has no "refresh_token" value/.test(e.message));
    await assert.rejects(load("someone-elses-secret"), (e: Error) => e instanceof PermanentSourceError && /needs get and update/.test(e.message));
    const readOnly = createSecretTokenStore({ namespace: NS, name: "p001-google", kubeConfig: readOnlyKc });
    await readOnly.load();
    const current = unb64((await readSecret("p001-google")).data?.refresh_token);
    await assert.rejects(readOnly.saveRefreshToken("next", current), (e: Error) => e instanceof PermanentSourceError && /needs update on this Secret/.test(e.message));
  });
});
