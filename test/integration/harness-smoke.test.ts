// Smoke tests proving the harness runs real components: the API server
// validates CRDs and enforces RBAC, the controller-manager garbage-collects,
// the embedded TimescaleDB serves hypertables and continuous aggregates, and
// promtool checks rules.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";
import pg from "pg";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { startEmbeddedDb } from "../../jobs/db/embedded.ts";
import { startNativePostgres } from "../harness/postgres.ts";
import { tempDir } from "../harness/processes.ts";

const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.smoke.example.com" },
  spec: {
    group: "smoke.example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [{
      name: "v1", served: true, storage: true,
      schema: { openAPIV3Schema: {
        type: "object",
        properties: { spec: { type: "object", required: ["size"], properties: { size: { type: "integer", minimum: 1, maximum: 10 } } } },
      } },
    }],
  },
};

describe("control plane harness", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
  });
  after(async () => {
    await cp?.stop();
  });

  test("the API server validates objects of a CRD", async () => {
    const ext = cp.kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({ body: widgetCrd as k8s.V1CustomResourceDefinition });
    const objs = cp.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const create = (size: unknown, name: string) => objs.createNamespacedCustomObject({
      group: "smoke.example.com", version: "v1", namespace: "default", plural: "widgets",
      body: { apiVersion: "smoke.example.com/v1", kind: "Widget", metadata: { name }, spec: { size } },
    });
    // The CRD becomes servable asynchronously.
    for (let i = 0; ; i++) {
      try {
        await create(3, "good");
        break;
      } catch (err) {
        if (i > 50) throw err;
        await sleep(200);
      }
    }
    await assert.rejects(create(42, "bad"), (err: k8s.ApiException<unknown>) => {
      assert.equal(err.code, 422);
      assert.match(String(err.body), /spec.size: Invalid value: 42: spec.size in body should be less than or equal to 10/);
      return true;
    });
  });

  test("kube-controller-manager garbage-collects a CronJob owned by a deleted object", async () => {
    const objs = cp.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const owner = (await objs.getNamespacedCustomObject({
      group: "smoke.example.com", version: "v1", namespace: "default", plural: "widgets", name: "good",
    })) as { metadata: { uid: string } };
    const batch = cp.kubeConfig.makeApiClient(k8s.BatchV1Api);
    await batch.createNamespacedCronJob({ namespace: "default", body: {
      metadata: { name: "owned", ownerReferences: [{ apiVersion: "smoke.example.com/v1", kind: "Widget", name: "good", uid: owner.metadata.uid, controller: true }] },
      spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } } },
    } });
    await objs.deleteNamespacedCustomObject({ group: "smoke.example.com", version: "v1", namespace: "default", plural: "widgets", name: "good" });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await batch.readNamespacedCronJob({ namespace: "default", name: "owned" });
      } catch (err) {
        assert.equal((err as k8s.ApiException<unknown>).code, 404);
        return;
      }
      assert.ok(Date.now() < deadline, "CronJob was not garbage-collected within 60s");
      await sleep(500);
    }
  });

  test("RBAC is enforced: a ServiceAccount without permission is refused", async () => {
    const { kubeConfig } = await cp.serviceAccountKubeconfig("smoke", "nobody");
    const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.listNamespacedSecret({ namespace: "smoke" }), (err: k8s.ApiException<unknown>) => {
      assert.equal(err.code, 403);
      const status = JSON.parse(String(err.body)) as { message: string };
      assert.match(status.message, /system:serviceaccount:smoke:nobody" cannot list resource "secrets"/);
      return true;
    });
    // Granting the permission makes the same call succeed: the refusal was RBAC, not something else.
    const rbac = cp.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: "smoke", body: { metadata: { name: "read-secrets" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: "smoke", body: {
      metadata: { name: "read-secrets" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-secrets" },
      subjects: [{ kind: "ServiceAccount", name: "nobody", namespace: "smoke" }],
    } });
    const list = await core.listNamespacedSecret({ namespace: "smoke" });
    assert.ok(Array.isArray(list.items));
  });

  test("kubectl from the tool cache reports the pinned version", () => {
    const out = cp.kubectl(["version", "-o", "json"]);
    const v = JSON.parse(out) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
    assert.equal(v.clientVersion.gitVersion, "v1.34.2");
    assert.equal(v.serverVersion.gitVersion, "v1.34.2");
  });
});

describe("embedded TimescaleDB (wearable db)", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  test("serves a hypertable and a continuous aggregate to a pg client", async () => {
    const db = await startEmbeddedDb();
    const client = new pg.Client(db.url);
    try {
      await client.connect();
      await client.query("CREATE TABLE hr (ts timestamptz NOT NULL, bpm double precision)");
      await client.query("SELECT create_hypertable('hr', 'ts')");
      await client.query("INSERT INTO hr SELECT t, 60 + extract(hour from t) FROM generate_series('2026-11-01'::timestamptz, '2026-11-01 23:59'::timestamptz, interval '1 minute') t");
      await client.query(`CREATE MATERIALIZED VIEW hr_hourly WITH (timescaledb.continuous) AS
        SELECT time_bucket('1 hour', ts) AS bucket, avg(bpm) AS bpm FROM hr GROUP BY 1 WITH NO DATA`);
      await client.query("CALL refresh_continuous_aggregate('hr_hourly', NULL, NULL)");
      const { rows } = await client.query<{ n: string; first: number }>("SELECT count(*) AS n, min(bpm) AS first FROM hr_hourly");
      assert.equal(rows[0]?.n, "24");
      assert.equal(rows[0]?.first, 60);
      const ht = await client.query("SELECT hypertable_name FROM timescaledb_information.hypertables");
      assert.deepEqual(ht.rows.map((r) => r.hypertable_name), ["hr"]);
    } finally {
      await client.end();
      await db.stop();
    }
  });

  test("`wearable db --help` prints usage and exits 0", () => {
    const out = execFileSync(process.execPath, ["bin/wearable.ts", "db", "--help"], { encoding: "utf8" });
    assert.match(out, /Usage: wearable db/);
  });
});

describe("native PostgreSQL helper", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  test("serves several concurrent connections", async () => {
    const server = await startNativePostgres();
    try {
      const pool = new pg.Pool({ connectionString: server.url, max: 4 });
      const pids = await Promise.all([1, 2, 3, 4].map(() => pool.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.2)")));
      assert.equal(new Set(pids.map((r) => r.rows[0].pid)).size, 4);
      await pool.end();
    } finally {
      await server.stop();
    }
  });
});

describe("promtool", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  test("checks a sample rule file and rejects a broken one", async () => {
    const dir = await tempDir("promtool");
    try {
      const good = join(dir.path, "good.yml");
      writeFileSync(good, "groups:\n- name: smoke\n  rules:\n  - alert: Up\n    expr: up == 0\n    for: 1m\n");
      const out = execFileSync("promtool", ["check", "rules", good], { encoding: "utf8" });
      assert.match(out, /SUCCESS: 1 rules found/);
      const bad = join(dir.path, "bad.yml");
      writeFileSync(bad, "groups:\n- name: smoke\n  rules:\n  - alert: Up\n    expr: up ==\n");
      assert.throws(() => execFileSync("promtool", ["check", "rules", bad], { stdio: "pipe" }));
    } finally {
      await dir.remove();
    }
  });
});
