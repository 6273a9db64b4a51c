// Shared setup for the operator's integration tests: a real control plane
// with the generated CRDs installed, and a ServiceAccount bound to exactly
// the chart's RBAC rules (charts/wearable-pipeline/files/operator-rbac-rules.yaml),
// so every test runs the operator with the permissions it ships with.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { operatorConfigSchema, type OperatorConfig } from "../../operator/src/runtime/config.ts";
import { KubeClient } from "../../operator/src/runtime/kube-client.ts";
import { Manager } from "../../operator/src/runtime/manager.ts";
import type { Eraser } from "../../operator/src/runtime/participant-data.ts";
import { createLogger } from "../../lib/logger.ts";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const OPERATOR_NS = "wearable-system";
export const OPERATOR_SA = "wearable-operator";

export interface OperatorEnv {
  cp: ControlPlane;
  /** Admin client (the test's own hands). */
  admin: KubeClient;
  /** Kubeconfig of the operator's ServiceAccount. */
  sa: { path: string; kubeConfig: k8s.KubeConfig };
}

export function rbacRules(): k8s.V1PolicyRule[] {
  return parse(readFileSync(join(repoRoot, "charts/wearable-pipeline/files/operator-rbac-rules.yaml"), "utf8")) as k8s.V1PolicyRule[];
}

export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(intervalMs);
  }
}

export async function startOperatorEnv(): Promise<OperatorEnv> {
  const cp = await startControlPlane();
  try {
    cp.kubectl(["apply", "--server-side", "-f", join(repoRoot, "crds")]);
    cp.kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/participants.wearables.dev", "crd/imputationruns.wearables.dev"]);
    const rbac = cp.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createClusterRole({ body: { metadata: { name: "wearable-operator" }, rules: rbacRules() } });
    const sa = await cp.serviceAccountKubeconfig(OPERATOR_NS, OPERATOR_SA);
    await rbac.createClusterRoleBinding({ body: {
      metadata: { name: "wearable-operator" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "wearable-operator" },
      subjects: [{ kind: "ServiceAccount", name: OPERATOR_SA, namespace: OPERATOR_NS }],
    } });
    const admin = new KubeClient(cp.kubeConfig, { qps: 1000, burst: 1000 });
    return { cp, admin, sa };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

export function testConfig(overrides: Partial<OperatorConfig> = {}): OperatorConfig {
  return operatorConfigSchema.parse({
    image: "ghcr.io/example/wearable:test",
    identity: "test-operator",
    metricsPort: 0,
    leaderElectionNamespace: OPERATOR_NS,
    ...overrides,
  });
}

/** The operator in this process, authenticated as its ServiceAccount. */
export async function startManager(env: OperatorEnv, overrides: Partial<OperatorConfig> = {}, eraser?: Eraser): Promise<Manager> {
  const m = new Manager({
    config: testConfig(overrides),
    kubeConfig: env.sa.kubeConfig,
    log: createLogger({ name: "wearable-operator", level: process.env.LOG_LEVEL ?? "silent" }),
    ...(eraser ? { eraser } : {}),
    onFatal: (reason) => { throw new Error(`operator stopped: ${reason}`); },
  });
  await m.start();
  await until("operator leadership and synced caches", () => m.isLeader && m.synced, 30_000);
  return m;
}

export async function createNamespace(env: OperatorEnv, name: string): Promise<void> {
  await env.admin.create({ group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false }, "", { metadata: { name } });
}
