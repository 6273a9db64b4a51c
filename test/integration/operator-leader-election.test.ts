// Two operator processes (the real CLI, as the Deployment runs it) under the
// chart's RBAC: only the leader reconciles; SIGKILL the leader and the other
// takes over once the 15 s lease expires, without duplicate objects; SIGTERM
// releases the lease so a follower takes over within a retry period.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../../jobs/db/embedded.ts";
import { RESOURCES } from "../../operator/src/runtime/kube-client.ts";
import { startProcess, tempDir, type ManagedProcess } from "../harness/processes.ts";
import { OPERATOR_NS, createNamespace, repoRoot, startOperatorEnv, until, type OperatorEnv } from "./operator-env.ts";

const NS = "study-le";

interface Replica { id: string; port: number; proc: ManagedProcess }

describe("leader election between two operator processes", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let env: OperatorEnv;
  let logs: Awaited<ReturnType<typeof tempDir>>;
  const replicas: Replica[] = [];

  async function startReplica(id: string): Promise<Replica> {
    const port = await freePort();
    const proc = startProcess(`operator-${id}`, process.execPath, [
      join(repoRoot, "bin/wearable.ts"), "operator", "--kubeconfig", env.sa.path, "--image", "ghcr.io/example/wearable:test",
      "--metrics-port", String(port), "--identity", id, "--leader-election-namespace", OPERATOR_NS, "--namespaces", NS,
    ], { logDir: logs.path, env: { ...process.env, LOG_LEVEL: "info" } });
    const r = { id, port, proc };
    replicas.push(r);
    await until(`replica ${id} ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 30_000, 200);
    return r;
  }

  async function metric(r: Replica, pattern: RegExp): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text();
    const m = pattern.exec(text);
    return m ? Number(m[1]) : 0;
  }
  const isLeader = async (r: Replica) => (await metric(r, /^leader_election_master_status\{name="wearable-operator"\} (\d+)/m)) === 1;
  const reconciles = (r: Replica) => metric(r, /^controller_runtime_reconcile_total\{controller="participant",result="success"\} (\d+)/m);
  const holder = async () => (await env.admin.get<{ spec: { holderIdentity?: string } }>(RESOURCES.lease, OPERATOR_NS, "wearable-operator")).spec.holderIdentity ?? "";

  async function createParticipants(names: string[]) {
    for (const name of names) {
      await env.admin.create(RESOURCES.participant, NS, { apiVersion: "wearables.dev/v1alpha1", kind: "Participant", metadata: { name }, spec: { participantId: name.toUpperCase(), source: { synthetic: {} } } });
    }
  }
  async function cronJobs() {
    return (await env.admin.list<{ metadata: { name: string; ownerReferences: { uid: string }[] } }>(RESOURCES.cronJob, NS, "app.kubernetes.io/managed-by=wearable-operator")).items;
  }

  before(async () => {
    logs = await tempDir("operator-le");
    env = await startOperatorEnv();
    await createNamespace(env, NS);
  });
  after(async () => {
    for (const r of replicas) await r.proc.stop("SIGKILL");
    await env?.cp.stop();
    await logs?.remove();
  });

  test("only the leader reconciles; SIGKILL -> takeover within the lease time, no duplicates; SIGTERM releases the lease", async () => {
    const [a, b] = [await startReplica("replica-a"), await startReplica("replica-b")];
    const leader = await until("one leader", async () => {
      const [la, lb] = [await isLeader(a), await isLeader(b)];
      return la !== lb && (la ? a : b);
    }, 30_000, 200);
    const follower = leader === a ? b : a;
    assert.equal(await holder(), leader.id);

    await createParticipants(["pa", "pb", "pc", "pd", "pe"]);
    await until("5 CronJobs", async () => (await cronJobs()).length === 5, 30_000);
    await until("leader reconciled", async () => (await reconciles(leader)) >= 5);
    assert.equal(await reconciles(follower), 0, "the follower never reconciles");
    assert.equal(await metric(follower, /^wearable_operator_api_requests_total\{verb="PATCH",resource="cronjobs",code="200"\} (\d+)/m), 0);

    const killedAt = Date.now();
    await leader.proc.stop("SIGKILL");
    await until("follower takes over", () => isLeader(follower), 30_000, 200);
    const takeoverMs = Date.now() - killedAt;
    // Lease 15 s + one 2 s retry (+20% jitter) + scrape slack on a loaded machine.
    assert.ok(takeoverMs <= 15_000 + 2_400 + 3_000, `takeover took ${takeoverMs} ms`);
    assert.equal(await holder(), follower.id);

    await createParticipants(["pf", "pg"]);
    await until("7 CronJobs", async () => (await cronJobs()).length === 7, 30_000);
    const list = await cronJobs();
    assert.equal(new Set(list.map((c) => c.metadata.ownerReferences[0]!.uid)).size, 7, "one CronJob per Participant, no duplicates");
    await until("statuses Ready", async () => {
      const pts = await env.admin.list<{ status?: { conditions?: { type: string; status: string }[] } }>(RESOURCES.participant, NS);
      return pts.items.every((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    });

    // Graceful hand-over: a third replica waits; SIGTERM makes the leader release the lease.
    const c = await startReplica("replica-c");
    assert.equal(await isLeader(c), false);
    const termAt = Date.now();
    await follower.proc.stop("SIGTERM", 15_000);
    assert.equal(follower.proc.child.exitCode, 0, "clean exit on SIGTERM");
    await until("replica-c leads", () => isLeader(c), 10_000, 100);
    const handoverMs = Date.now() - termAt;
    assert.ok(handoverMs < 6_000, `released lease taken over in ${handoverMs} ms (expiry would take 15 s)`);
    assert.equal(await holder(), "replica-c");
  });
});
