// A real Kubernetes control plane for tests: etcd + kube-apiserver (RBAC on)
// + kube-controller-manager (garbage collector, Job and CronJob controllers),
// on free loopback ports, built from source by hack/build-tools.sh.
//
// This is our envtest: controller tests run against it with the real CRDs and
// the chart's RBAC, so schema, CEL, RBAC and conflicts are checked by the
// server, not by a fake.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { freePorts } from "../../jobs/db/embedded.ts";
import { startProcess, tempDir, waitFor, type ManagedProcess } from "./processes.ts";

const repoRoot = resolve(import.meta.dirname, "../..");

export interface ControlPlaneOptions {
  /** Run kube-controller-manager too (garbage collection, Jobs, CronJobs). Default true. */
  controllerManager?: boolean;
  /** Also run the Deployment and ReplicaSet controllers and publish kube-root-ca.crt (pods on a local node). */
  workloads?: boolean;
}

export interface ControlPlane {
  server: string;
  /** Path to an admin (system:masters) kubeconfig. */
  kubeconfigPath: string;
  /** Admin KubeConfig object. */
  kubeConfig: k8s.KubeConfig;
  /** Folder holding binaries (kubectl, helm, ...). */
  binDir: string;
  /** A kubeconfig that authenticates as a ServiceAccount (created if missing), via the TokenRequest API. */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<{ path: string; kubeConfig: k8s.KubeConfig }>;
  /** Runs kubectl against this control plane as admin; returns stdout. */
  kubectl(args: string[], input?: string): string;
  stop(): Promise<void>;
}

/** Where the pinned binaries are; builds them on first use (cached outside the repo). */
export function toolsBinDir(): string {
  if (process.env.WEARABLE_TOOLS_BIN) return process.env.WEARABLE_TOOLS_BIN;
  const dir = execFileSync(join(repoRoot, "hack/build-tools.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  process.env.WEARABLE_TOOLS_BIN = dir;
  return dir;
}

function kubeconfigYaml(server: string, user: string, token: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: local\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
    "users:",
    `- name: ${user}\n  user:\n    token: ${token}`,
    "contexts:",
    `- name: local\n  context:\n    cluster: local\n    user: ${user}`,
    "current-context: local",
    "",
  ].join("\n");
}

function loadConfig(path: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  // A port chosen as free can still be taken by another process before the
  // server binds it; that is the machine's race, not a failure of the test.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startControlPlaneOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String((err as Error).message))) throw err;
    }
  }
}

async function startControlPlaneOnce(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const bin = toolsBinDir();
  const dir = await tempDir("k8s");
  const procs: ManagedProcess[] = [];
  const stopAll = async () => {
    for (const p of procs.reverse()) await p.stop("SIGTERM", 10_000);
    await dir.remove();
  };
  try {
    const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = startProcess("etcd", join(bin, "etcd"), [
      `--data-dir=${join(dir.path, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      "--unsafe-no-fsync",
      "--log-level=warn",
    ], { logDir: dir.path });
    procs.push(etcd);
    await waitFor("etcd", async () => (await fetch(`${etcdUrl}/health`)).ok, { proc: etcd, timeoutMs: 30_000 });

    // Service-account tokens are signed with this key; TokenRequest needs it.
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const saKey = join(dir.path, "sa.key");
    const saPub = join(dir.path, "sa.pub");
    await writeFile(saKey, privateKey.export({ type: "pkcs8", format: "pem" }));
    await writeFile(saPub, publicKey.export({ type: "spki", format: "pem" }));
    const adminToken = randomBytes(24).toString("hex");
    const tokens = join(dir.path, "tokens.csv");
    await writeFile(tokens, `${adminToken},admin,admin,"system:masters"\n`);

    const api = startProcess("kube-apiserver", join(bin, "kube-apiserver"), [
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${join(dir.path, "certs")}`,
      `--secure-port=${apiPort}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--token-auth-file=${tokens}`,
      "--authorization-mode=RBAC",
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--allow-privileged=true",
      "--enable-priority-and-fairness=false",
      "--endpoint-reconciler-type=none",
      "--v=0",
    ], { logDir: dir.path });
    procs.push(api);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(dir.path, "admin.kubeconfig");
    await writeFile(kubeconfigPath, kubeconfigYaml(server, "admin", adminToken));
    const kubeConfig = loadConfig(kubeconfigPath);

    // Ready means: healthy, and the default namespace exists (bootstrap done).
    const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    await waitFor("kube-apiserver ready", async () => {
      await core.readNamespace({ name: "default" });
      return true;
    }, { proc: api, timeoutMs: 90_000, intervalMs: 500 });

    if (opts.controllerManager !== false) {
      const kcm = startProcess("kube-controller-manager", join(bin, "kube-controller-manager"), [
        `--kubeconfig=${kubeconfigPath}`,
        "--leader-elect=false",
        "--secure-port=0",
        `--controllers=garbage-collector-controller,job-controller,cronjob-controller,namespace-controller,serviceaccount-controller${opts.workloads ? ",deployment-controller,replicaset-controller,root-ca-certificate-publisher-controller" : ""}`,
        // What pods trust the API server with (kube-root-ca.crt): its self-signed serving certificate.
        `--root-ca-file=${join(dir.path, "certs", "apiserver.crt")}`,
        `--service-account-private-key-file=${saKey}`,
        "--concurrent-gc-syncs=5",
        "--v=0",
      ], { logDir: dir.path });
      procs.push(kcm);
      await waitFor("kube-controller-manager running", async () => kcm.child.exitCode === null, { proc: kcm, timeoutMs: 5_000 });
    }

    const kubectl = (args: string[], input?: string) =>
      execFileSync(join(bin, "kubectl"), ["--kubeconfig", kubeconfigPath, ...args], {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
      });

    return {
      server,
      kubeconfigPath,
      kubeConfig,
      binDir: bin,
      kubectl,
      async serviceAccountKubeconfig(namespace, name) {
        await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreConflict);
        await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch(ignoreConflict);
        const tr = await core.createNamespacedServiceAccountToken({
          name,
          namespace,
          body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
        });
        const token = tr.status?.token;
        if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
        const path = join(dir.path, `sa-${namespace}-${name}.kubeconfig`);
        await writeFile(path, kubeconfigYaml(server, `system:serviceaccount:${namespace}:${name}`, token));
        return { path, kubeConfig: loadConfig(path) };
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export function ignoreConflict(err: unknown): void {
  if ((err as { code?: number }).code === 409) return;
  throw err;
}
