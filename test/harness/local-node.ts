// A node for the test control plane that runs pods as local processes: the
// one part of a cluster this machine cannot run is the container runtime
// (no Docker, no images), so this stands in for kube-scheduler + kubelet +
// runtime, and nothing else. kube-controller-manager still creates Jobs from
// CronJobs and Pods from Jobs, and reads the pod statuses written here, so
// the operator, the Job controller and the jobs themselves all run for real.
//
// What a pod gets, as a kubelet would give it:
// - binding to this node, then status Pending → Running → Succeeded/Failed,
//   init containers in order, restartPolicy Never;
// - env from value, secretKeyRef, configMapKeyRef and fieldRef, envFrom;
//   a missing Secret or key leaves the container waiting in
//   CreateContainerConfigError, as on a real node;
// - with isolation on (root only): its own mount namespace with a READ-ONLY
//   root filesystem when the container asks for one, a fresh tmpfs at every
//   emptyDir mountPath, and the pod's runAsUser/runAsGroup (setpriv), so a
//   job that writes outside its volumes or needs root fails here too;
// - the termination message: the kubelet mounts a file at
//   terminationMessagePath; here it is a file in the pod's directory, and env
//   values naming terminationMessagePath are pointed at it.
//   FallbackToLogsOnError takes the log tail (80 lines / 2 KiB) as a kubelet does.
//
// The image is not pulled or run: a container's command[0] is looked up in
// `commands` (e.g. wearable → node bin/wearable.ts, what the image's PATH
// holds). Pods it cannot run terminate with reason StartError.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";

export interface LocalNodeOptions {
  kubeConfig: k8s.KubeConfig;
  name?: string;
  /** command[0] of a container → the local argv that replaces it. */
  commands: Record<string, string[]>;
  /** Pods this node takes (default: every unscheduled pod). */
  accept?: (pod: k8s.V1Pod) => boolean;
  /** Mount namespace, read-only root, emptyDir tmpfs, pod uid/gid. Needs root; default: when running as root. */
  isolate?: boolean;
  /** Extra env for every container (e.g. a PATH the image would have). */
  baseEnv?: Record<string, string>;
  pollMs?: number;
}

export interface LocalNode {
  name: string;
  /** Everything a container printed, by pod namespace/name and container name. */
  logs(namespace: string, pod: string, container: string): Promise<string>;
  stop(): Promise<void>;
}

const TERMINATION_MESSAGE_MAX_BYTES = 4096;
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;

class ConfigError extends Error {}

export async function startLocalNode(opts: LocalNodeOptions): Promise<LocalNode> {
  const name = opts.name ?? "local-node";
  const core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const isolate = opts.isolate ?? process.getuid?.() === 0;
  // Not under /tmp: each container gets a fresh tmpfs there, which would hide it.
  await mkdir("/var/tmp", { recursive: true });
  const root = await mkdtemp("/var/tmp/wearable-local-node-");
  await chmod(root, 0o755);
  const running = new Map<string, { children: Set<ChildProcess>; done: Promise<void> }>();
  let stopping = false;

  await core.createNode({ body: { metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" } } } });
  const heartbeat = async () => {
    const node = await core.readNode({ name });
    node.status = {
      ...node.status,
      conditions: [{ type: "Ready", status: "True", reason: "LocalNodeReady", message: "pods run as local processes", lastHeartbeatTime: new Date(), lastTransitionTime: node.status?.conditions?.[0]?.lastTransitionTime ?? new Date() }],
      capacity: { cpu: "2", memory: "8Gi", pods: "110" },
      allocatable: { cpu: "2", memory: "8Gi", pods: "110" },
    };
    await core.replaceNodeStatus({ name, body: node });
  };
  await heartbeat();

  const updateStatus = async (pod: k8s.V1Pod, mutate: (status: k8s.V1PodStatus) => void) => {
    const ns = pod.metadata!.namespace!, podName = pod.metadata!.name!;
    for (let attempt = 0; ; attempt++) {
      try {
        const live = await core.readNamespacedPod({ name: podName, namespace: ns });
        const status = live.status ?? {};
        mutate(status);
        live.status = status;
        await core.replaceNamespacedPodStatus({ name: podName, namespace: ns, body: live });
        return;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === 404) return;
        if (code !== 409 || attempt > 20) throw err;
      }
    }
  };

  const lookup = async (kind: "secret" | "configmap", ns: string, ref: { name?: string; key?: string; optional?: boolean }): Promise<Record<string, string> | undefined> => {
    try {
      if (kind === "secret") {
        const s = await core.readNamespacedSecret({ name: ref.name!, namespace: ns });
        return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
      }
      const cm = await core.readNamespacedConfigMap({ name: ref.name!, namespace: ns });
      return cm.data ?? {};
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        if (ref.optional) return undefined;
        throw new ConfigError(`${kind} "${ref.name}" not found`);
      }
      throw err;
    }
  };

  const fieldValue = (pod: k8s.V1Pod, path: string): string => {
    const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (label) return (pod.metadata?.[label[1] as "labels" | "annotations"] ?? {})[label[2]!] ?? "";
    const values: Record<string, string | undefined> = {
      "metadata.name": pod.metadata?.name, "metadata.namespace": pod.metadata?.namespace, "metadata.uid": pod.metadata?.uid,
      "spec.nodeName": name, "spec.serviceAccountName": pod.spec?.serviceAccountName, "status.podIP": "127.0.0.1", "status.hostIP": "127.0.0.1",
    };
    if (!(path in values)) throw new ConfigError(`fieldRef ${path} is not supported by the local node`);
    return values[path] ?? "";
  };

  const resolveEnvVar = async (pod: k8s.V1Pod, e: k8s.V1EnvVar): Promise<string | undefined> => {
    const vf = e.valueFrom;
    if (!vf) return e.value ?? "";
    if (vf.fieldRef) return fieldValue(pod, vf.fieldRef.fieldPath);
    const ref = vf.secretKeyRef ?? vf.configMapKeyRef;
    if (!ref) throw new ConfigError(`env ${e.name}: this valueFrom is not supported by the local node`);
    const kind = vf.secretKeyRef ? "secret" : "configmap";
    const data = await lookup(kind, pod.metadata!.namespace!, ref);
    const value = data?.[ref.key];
    if (value === undefined && data && !ref.optional) throw new ConfigError(`couldn't find key ${ref.key} in ${kind === "secret" ? "Secret" : "ConfigMap"} ${pod.metadata!.namespace}/${ref.name}`);
    return value;
  };

  const resolveEnv = async (pod: k8s.V1Pod, c: k8s.V1Container, terminationFile: string): Promise<Record<string, string>> => {
    const ns = pod.metadata!.namespace!;
    const env: Record<string, string> = { HOME: "/", ...opts.baseEnv };
    for (const from of c.envFrom ?? []) {
      const data = from.secretRef ? await lookup("secret", ns, from.secretRef) : from.configMapRef ? await lookup("configmap", ns, from.configMapRef) : undefined;
      for (const [k, v] of Object.entries(data ?? {})) env[`${from.prefix ?? ""}${k}`] = v;
    }
    const messagePath = c.terminationMessagePath ?? "/dev/termination-log";
    for (const e of c.env ?? []) {
      const value = await resolveEnvVar(pod, e);
      if (value === undefined) continue;
      // The kubelet mounts the termination file at terminationMessagePath; here it lives in the pod's folder.
      env[e.name] = value === messagePath ? terminationFile : value;
    }
    return env;
  };

  /** The argv that runs `argv` as the container would: own mount namespace, tmpfs emptyDirs, read-only root, pod uid. */
  const sandboxed = (pod: k8s.V1Pod, c: k8s.V1Container, podDir: string, argv: string[]): string[] => {
    if (!isolate) return argv;
    const sc = { ...pod.spec?.securityContext, ...c.securityContext };
    const emptyDirs = new Set((pod.spec?.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
    const tmpfsPaths = (c.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
    // Order matters: the pod folder is bound onto itself first so it stays
    // writable, then emptyDirs get their tmpfs, then the root goes read-only.
    const script = [
      `mount --bind "$1" "$1"`,
      ...tmpfsPaths.map((_, i) => `mount -t tmpfs -o mode=1777,size=256m tmpfs "$${i + 2}"`),
      sc.readOnlyRootFilesystem ? "mount -o remount,bind,ro /" : "",
      `shift ${tmpfsPaths.length + 1}`,
      sc.runAsUser !== undefined ? `exec setpriv --reuid=${sc.runAsUser} --regid=${sc.runAsGroup ?? sc.runAsUser} --clear-groups -- "$@"` : `exec "$@"`,
    ].filter(Boolean).join("\n");
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-ec", script, "sh", podDir, ...tmpfsPaths, ...argv];
  };

  /** The file's text, else (FallbackToLogsOnError, failed) the log's tail, as a kubelet reports it. */
  const terminationMessage = async (c: k8s.V1Container, exitCode: number, terminationFile: string, logFile: string): Promise<string> => {
    const message = (await readFile(terminationFile, "utf8")).slice(0, TERMINATION_MESSAGE_MAX_BYTES);
    if (message || exitCode === 0 || c.terminationMessagePolicy !== "FallbackToLogsOnError") return message;
    const text = await readFile(logFile, "utf8");
    return text.split("\n").slice(-FALLBACK_LOG_LINES - 1).join("\n").slice(-FALLBACK_LOG_BYTES);
  };

  /** Runs one container to its end; resolves to its terminated state. */
  const runContainer = async (pod: k8s.V1Pod, c: k8s.V1Container, podDir: string, children: Set<ChildProcess>): Promise<k8s.V1ContainerStateTerminated> => {
    const startedAt = new Date();
    const terminationFile = join(podDir, `${c.name}.termination-log`);
    const logFile = join(podDir, `${c.name}.log`);
    await writeFile(terminationFile, "");
    await chmod(terminationFile, 0o666);
    const prefix = c.command?.[0] !== undefined ? opts.commands[c.command[0]] : undefined;
    if (!prefix) {
      return { exitCode: 128, reason: "StartError", message: `the local node cannot run command ${JSON.stringify(c.command ?? [])} of image ${c.image}`, startedAt, finishedAt: new Date() };
    }
    let env: Record<string, string>;
    for (;;) {
      try {
        env = await resolveEnv(pod, c, terminationFile);
        break;
      } catch (err) {
        if (!(err instanceof ConfigError) || stopping) throw err;
        // As a kubelet does: the container waits until the Secret or key appears.
        await updateStatus(pod, (s) => {
          const list = (pod.spec!.initContainers ?? []).some((x) => x.name === c.name) ? "initContainerStatuses" : "containerStatuses";
          s[list] = [{ name: c.name, image: c.image ?? "", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "CreateContainerConfigError", message: err.message } } }];
        });
        await sleep(1_000);
      }
    }
    const [cmd, ...args] = sandboxed(pod, c, podDir, [...prefix, ...(c.command ?? []).slice(1), ...(c.args ?? [])]);
    const log = createWriteStream(logFile, { flags: "a" });
    const child = spawn(cmd!, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const code = await new Promise<number>((resolve) => child.once("close", (c2, signal) => resolve(c2 ?? (signal === "SIGKILL" ? 137 : 143))));
    children.delete(child);
    await new Promise<void>((resolve) => log.end(resolve));
    const message = await terminationMessage(c, code, terminationFile, logFile);
    return { exitCode: code, reason: code === 0 ? "Completed" : "Error", ...(message ? { message } : {}), startedAt, finishedAt: new Date() };
  };

  const runPod = async (pod: k8s.V1Pod): Promise<void> => {
    const children = new Set<ChildProcess>();
    const podDir = join(root, `${pod.metadata!.namespace}_${pod.metadata!.name}`);
    await mkdir(podDir, { recursive: true });
    await chmod(podDir, 0o777);
    const entry = { children, done: Promise.resolve() };
    running.set(pod.metadata!.uid!, entry);
    const status = (c: k8s.V1Container, state: k8s.V1ContainerState): k8s.V1ContainerStatus =>
      ({ name: c.name, image: c.image ?? "", imageID: "", ready: false, restartCount: 0, started: !!state.running, state });
    entry.done = (async () => {
      const inits = pod.spec!.initContainers ?? [];
      const mains = pod.spec!.containers;
      await updateStatus(pod, (s) => {
        s.phase = "Pending";
        s.hostIP = "127.0.0.1";
        s.podIP = "127.0.0.1";
        s.startTime = new Date();
        s.conditions = [{ type: "PodScheduled", status: "True", lastTransitionTime: new Date() }, { type: "Initialized", status: inits.length ? "False" : "True", lastTransitionTime: new Date() }];
      });
      const initStates: k8s.V1ContainerStatus[] = [];
      for (const c of inits) {
        await updateStatus(pod, (s) => { s.initContainerStatuses = [...initStates, status(c, { running: { startedAt: new Date() } })]; });
        const t = await runContainer(pod, c, podDir, children);
        initStates.push(status(c, { terminated: t }));
        if (t.exitCode !== 0) {
          await updateStatus(pod, (s) => {
            s.phase = "Failed";
            s.initContainerStatuses = initStates;
            s.containerStatuses = mains.map((m) => status(m, { waiting: { reason: "PodInitializing" } }));
          });
          return;
        }
      }
      await updateStatus(pod, (s) => {
        s.phase = "Running";
        s.initContainerStatuses = initStates;
        s.containerStatuses = mains.map((c) => ({ ...status(c, { running: { startedAt: new Date() } }), ready: true }));
        s.conditions = [{ type: "PodScheduled", status: "True" }, { type: "Initialized", status: "True" }, { type: "ContainersReady", status: "True" }, { type: "Ready", status: "True" }]
          .map((x) => ({ ...x, lastTransitionTime: new Date() }));
      });
      const ends = await Promise.all(mains.map((c) => runContainer(pod, c, podDir, children)));
      await updateStatus(pod, (s) => {
        s.phase = ends.every((t) => t.exitCode === 0) ? "Succeeded" : "Failed";
        s.containerStatuses = mains.map((c, i) => status(c, { terminated: ends[i]! }));
        s.conditions = [{ type: "PodScheduled", status: "True" }, { type: "Initialized", status: "True" }, { type: "ContainersReady", status: "False" }, { type: "Ready", status: "False" }]
          .map((x) => ({ ...x, lastTransitionTime: new Date() }));
      });
    })().catch((err: unknown) => {
      if (!stopping) process.stderr.write(`local-node: pod ${pod.metadata!.namespace}/${pod.metadata!.name}: ${String(err)}\n`);
    });
  };

  const bind = async (pod: k8s.V1Pod) => {
    const podName = pod.metadata!.name!;
    await core.createNamespacedPodBinding({ name: podName, namespace: pod.metadata!.namespace!, body: { metadata: { name: podName }, target: { apiVersion: "v1", kind: "Node", name } } })
      .catch((err: unknown) => { if ((err as { code?: number }).code !== 409) throw err; });
  };

  /** Graceful deletion: stop the processes, then confirm as a kubelet does. */
  const release = async (pod: k8s.V1Pod) => {
    const entry = running.get(pod.metadata!.uid!);
    for (const child of entry?.children ?? []) child.kill("SIGTERM");
    await entry?.done;
    await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, gracePeriodSeconds: 0 }).catch(() => {});
    running.delete(pod.metadata!.uid!);
  };

  const tick = async () => {
    for (const pod of (await core.listPodForAllNamespaces({})).items) {
      if (!pod.spec!.nodeName) {
        if (!pod.metadata!.deletionTimestamp && (opts.accept?.(pod) ?? true)) await bind(pod);
      } else if (pod.spec!.nodeName === name) {
        if (pod.metadata!.deletionTimestamp) await release(pod);
        else if (!running.has(pod.metadata!.uid!) && !pod.status?.startTime) await runPod(pod);
      }
    }
  };

  let beats = 0;
  const loop = (async () => {
    while (!stopping) {
      try {
        await tick();
        if (++beats % 40 === 0) await heartbeat();
      } catch (err) {
        if (!stopping) process.stderr.write(`local-node: ${String(err)}\n`);
      }
      await sleep(opts.pollMs ?? 250);
    }
  })();

  return {
    name,
    async logs(namespace, pod, container) {
      return readFile(join(root, `${namespace}_${pod}`, `${container}.log`), "utf8").catch(() => "");
    },
    async stop() {
      stopping = true;
      await loop;
      for (const { children } of running.values()) for (const child of children) child.kill("SIGKILL");
      await Promise.all([...running.values()].map((e) => e.done));
      await rm(root, { recursive: true, force: true });
    },
  };
}
