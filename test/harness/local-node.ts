// A node for the test control plane that runs pods as local processes: the
// one part of a cluster this machine cannot run is the container runtime
// (no Docker, no images), so this stands in for kube-scheduler + kubelet +
// runtime, and nothing else. kube-controller-manager still creates Jobs from
// CronJobs, Pods from Jobs and ReplicaSets, and reads the pod statuses written
// here, so the operator, the controllers and the jobs themselves run for real.
//
// What a pod gets, as a kubelet would give it:
// - binding to this node, then status Pending → Running → Succeeded/Failed,
//   init containers in order, restarts under restartPolicy Always/OnFailure,
//   readiness from httpGet probes (else ready once started);
// - env from value, secretKeyRef, configMapKeyRef and fieldRef, envFrom, and
//   KUBERNETES_SERVICE_HOST/PORT pointing at the API server; a missing Secret
//   or key leaves the container waiting in CreateContainerConfigError;
// - volumes: emptyDir, configMap, secret and projected (the ServiceAccount
//   token the API server's admission adds, kube-root-ca.crt, the namespace);
// - with isolation (root only, the default as root): its own mount namespace
//   whose root is an overlay of this machine's root, so volumes mount at any
//   path without touching the host; the root goes READ-ONLY when the
//   container asks, and the process runs as the pod's runAsUser/runAsGroup.
//   A job that writes outside its volumes, or needs root, fails here too;
// - the termination message: the kubelet mounts a file at
//   terminationMessagePath; here env values naming that path point at a file
//   in the pod's folder. FallbackToLogsOnError takes the log tail (80 lines /
//   2 KiB) as a kubelet does.
//
// Images are never pulled. A container of an image this node has (`images`,
// e.g. one buildah built from the Dockerfile) runs inside its root
// filesystem; any other container has its command's first word looked up in
// `commands` (e.g. sh → /bin/sh) and runs on this machine's root. Pods it
// cannot run terminate with reason StartError.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";

export interface LocalNodeOptions {
  kubeConfig: k8s.KubeConfig;
  name?: string;
  /** First word of a container's command → the local argv that replaces it. */
  commands: Record<string, string[]>;
  /** Images this node has: a container of one runs inside the image's root filesystem (isolation only). */
  images?: (image: string) => LocalImage | undefined;
  /**
   * Folders `commands` need (the checkout), bound read-only into containers
   * that run on this machine's root: a volume at /tmp would otherwise hide a
   * checkout that lives under /tmp, as CI's does.
   */
  hostPaths?: string[];
  /** Pods this node takes (default: every unscheduled pod). */
  accept?: (pod: k8s.V1Pod) => boolean;
  /** Overlay root, read-only root, volumes, pod uid/gid. Needs root; default: when running as root. */
  isolate?: boolean;
  pollMs?: number;
}

/** An image unpacked on this machine, with the parts of its config a runtime uses. */
export interface LocalImage {
  rootfs: string;
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  /** "uid" or "uid:gid". */
  user?: string;
}

export interface LocalNode {
  name: string;
  /** Everything a container printed (all restarts), by pod namespace/name and container name. */
  logs(namespace: string, pod: string, container: string): Promise<string>;
  stop(): Promise<void>;
}

const TERMINATION_MESSAGE_MAX_BYTES = 4096;
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;

class ConfigError extends Error {}

/** The last shell line: into the new root, as the pod's user, in the working directory. */
function execLine(m: string, sc: { runAsUser?: number; runAsGroup?: number }, workingDir: string): string {
  const user = sc.runAsUser !== undefined ? `setpriv --reuid=${sc.runAsUser} --regid=${sc.runAsGroup ?? sc.runAsUser} --clear-groups --` : "";
  return `exec chroot ${q(m)} ${user} env -C ${q(workingDir)} "$@"`;
}

/** One shell word, whatever it holds. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Shell lines mounting a container's volumes under the new root `m`. Mount
 * paths resolve inside that root: /var/run → /run must not lead to this
 * machine's /run.
 */
function volumeMountLines(m: string, mounts: Mount[]): string[] {
  return mounts.flatMap((mt) => [
    `p=$(chroot ${q(m)} realpath -m ${q(mt.path)})`,
    `mkdir -p ${q(m)}"$p"`,
    mt.kind === "tmpfs"
      ? `mount -t tmpfs -o mode=1777,size=256m tmpfs ${q(m)}"$p"`
      : `mount --bind ${mt.readOnly ? "-o ro " : ""}${q(mt.source)} ${q(m)}"$p"`,
  ]);
}

type Mount = { kind: "tmpfs"; path: string } | { kind: "bind"; path: string; source: string; readOnly: boolean };

interface PodRun {
  children: Set<ChildProcess>;
  ready: Map<string, boolean>;
  done: Promise<void>;
  /** The pod's volumes, written once its Secrets and ConfigMaps all resolved: volume name → folder, or "tmpfs". */
  volumes?: Map<string, string>;
}

export async function startLocalNode(opts: LocalNodeOptions): Promise<LocalNode> {
  const name = opts.name ?? "local-node";
  const core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const api = new URL(opts.kubeConfig.getCurrentCluster()!.server);
  const isolate = opts.isolate ?? process.getuid?.() === 0;
  // Not under /tmp: a pod's /tmp is usually an emptyDir, which would hide it.
  await mkdir("/var/tmp", { recursive: true });
  const root = await mkdtemp("/var/tmp/wearable-local-node-");
  await chmod(root, 0o755);
  const running = new Map<string, PodRun>();
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

  const lookup = async (kind: "secret" | "configmap", ns: string, ref: { name?: string; optional?: boolean }): Promise<Record<string, string> | undefined> => {
    try {
      if (kind === "secret") {
        const s = await core.readNamespacedSecret({ name: ref.name!, namespace: ns });
        return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
      }
      return (await core.readNamespacedConfigMap({ name: ref.name!, namespace: ns })).data ?? {};
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

  const envFromSource = async (ns: string, from: k8s.V1EnvFromSource): Promise<Record<string, string>> => {
    const data = from.secretRef ? await lookup("secret", ns, from.secretRef) : from.configMapRef ? await lookup("configmap", ns, from.configMapRef) : undefined;
    return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`${from.prefix ?? ""}${k}`, v]));
  };

  /** The image's ENV (PATH above all), then what the kubelet adds, then the pod's own env, which wins. */
  const resolveEnv = async (pod: k8s.V1Pod, c: k8s.V1Container, terminationFile: string, image?: LocalImage): Promise<Record<string, string>> => {
    const ns = pod.metadata!.namespace!;
    const imageEnv = Object.fromEntries((image?.env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    // Every pod sees the API server as the `kubernetes` Service; here it is on loopback.
    const env: Record<string, string> = {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/", ...imageEnv,
      KUBERNETES_SERVICE_HOST: api.hostname, KUBERNETES_SERVICE_PORT: api.port || "443",
    };
    for (const from of c.envFrom ?? []) Object.assign(env, await envFromSource(ns, from));
    const messagePath = c.terminationMessagePath ?? "/dev/termination-log";
    for (const e of c.env ?? []) {
      const value = await resolveEnvVar(pod, e);
      if (value === undefined) continue;
      // The kubelet mounts the termination file at terminationMessagePath; here it lives in the pod's folder.
      env[e.name] = value === messagePath ? terminationFile : value;
    }
    return env;
  };

  const pick = (data: Record<string, string> | undefined, items?: Array<{ key: string; path: string }>): Record<string, string> =>
    items ? Object.fromEntries(items.filter((i) => data?.[i.key] !== undefined).map((i) => [i.path, data![i.key]!])) : { ...data };

  /** A bound ServiceAccount token for the pod, as the kubelet requests it. */
  const serviceAccountToken = async (pod: k8s.V1Pod, src: k8s.V1ServiceAccountTokenProjection): Promise<string> => {
    const tr = await core.createNamespacedServiceAccountToken({ name: pod.spec!.serviceAccountName ?? "default", namespace: pod.metadata!.namespace!, body: { spec: {
      audiences: src.audience ? [src.audience] : [],
      expirationSeconds: src.expirationSeconds ?? 3607,
      boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata!.name!, uid: pod.metadata!.uid! },
    } } });
    if (!tr.status?.token) throw new Error(`TokenRequest for pod ${pod.metadata!.namespace}/${pod.metadata!.name} returned no token`);
    return tr.status.token;
  };

  const projectedFiles = async (pod: k8s.V1Pod, sources: k8s.V1VolumeProjection[]): Promise<Record<string, string>> => {
    const ns = pod.metadata!.namespace!;
    const files: Record<string, string> = {};
    for (const s of sources) {
      if (s.serviceAccountToken) files[s.serviceAccountToken.path] = await serviceAccountToken(pod, s.serviceAccountToken);
      if (s.configMap) Object.assign(files, pick(await lookup("configmap", ns, s.configMap), s.configMap.items));
      if (s.secret) Object.assign(files, pick(await lookup("secret", ns, s.secret), s.secret.items));
      for (const i of s.downwardAPI?.items ?? []) files[i.path] = i.fieldRef ? fieldValue(pod, i.fieldRef.fieldPath) : "";
    }
    return files;
  };

  /** A volume's files, as the kubelet would project them: path → content. */
  const volumeFiles = async (pod: k8s.V1Pod, v: k8s.V1Volume): Promise<Record<string, string>> => {
    const ns = pod.metadata!.namespace!;
    if (v.configMap) return pick(await lookup("configmap", ns, v.configMap), v.configMap.items);
    if (v.secret) return pick(await lookup("secret", ns, { name: v.secret.secretName, optional: v.secret.optional }), v.secret.items);
    if (v.projected) return projectedFiles(pod, v.projected.sources ?? []);
    throw new ConfigError(`volume ${v.name}: this volume type is not supported by the local node`);
  };

  /** Writes the pod's non-emptyDir volumes into its folder; returns each volume's folder, or "tmpfs". */
  const prepareVolumes = async (pod: k8s.V1Pod, podDir: string): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const v of pod.spec!.volumes ?? []) {
      if (v.emptyDir) {
        out.set(v.name, "tmpfs");
        continue;
      }
      const dir = join(podDir, "volumes", v.name);
      for (const [path, content] of Object.entries(await volumeFiles(pod, v))) {
        await mkdir(dirname(join(dir, path)), { recursive: true, mode: 0o755 });
        await writeFile(join(dir, path), content, { mode: 0o644 });
      }
      await mkdir(dir, { recursive: true, mode: 0o755 });
      out.set(v.name, dir);
    }
    return out;
  };

  const mountsOf = (c: k8s.V1Container, volumes: Map<string, string>): Mount[] => (c.volumeMounts ?? []).map((m) => {
    const source = volumes.get(m.name);
    if (source === undefined) throw new ConfigError(`volumeMount ${m.name}: no such volume`);
    if (m.subPath) throw new ConfigError(`volumeMount ${m.name}: subPath is not supported by the local node`);
    // The kubelet mounts configMap, secret and projected volumes read-only.
    return source === "tmpfs" ? { kind: "tmpfs", path: m.mountPath } : { kind: "bind", path: m.mountPath, source, readOnly: true };
  });

  /**
   * The argv that runs `argv` as the container would: a private mount
   * namespace whose root is an overlay of this machine's (volumes can mount
   * anywhere without touching the host), the pod folder bound through so the
   * termination message reaches us, the root read-only on request, the pod's uid.
   */
  const sandboxed = (pod: k8s.V1Pod, c: k8s.V1Container, argv: string[], where: { podDir: string; mounts: Mount[]; image?: LocalImage }): string[] => {
    if (!isolate) return argv;
    const { podDir, mounts, image } = where;
    const [imageUid, imageGid] = (image?.user ?? "").split(":").map((x) => (x === "" ? undefined : Number(x)));
    const sc = { runAsUser: imageUid, runAsGroup: imageGid ?? imageUid, ...pod.spec?.securityContext, ...c.securityContext };
    const rootDir = join(podDir, `${c.name}.root`);
    const m = `${rootDir}/merged`;
    const script = [
      `mkdir -p ${q(rootDir)}`,
      `mount -t tmpfs tmpfs ${q(rootDir)}`,
      `mkdir ${q(`${rootDir}/upper`)} ${q(`${rootDir}/work`)} ${q(m)}`,
      `mount -t overlay overlay -o ${q(`lowerdir=${image?.rootfs ?? "/"},upperdir=${rootDir}/upper,workdir=${rootDir}/work`)} ${q(m)}`,
      `mount --rbind /dev ${q(`${m}/dev`)}`,
      `mount -t proc proc ${q(`${m}/proc`)}`,
      `mount --rbind /sys ${q(`${m}/sys`)}`,
      `mount -t tmpfs tmpfs ${q(`${m}/run`)}`,
      `mkdir -p ${q(`${m}${podDir}`)}`,
      `mount --bind ${q(podDir)} ${q(`${m}${podDir}`)}`,
      ...volumeMountLines(m, mounts),
      ...(image ? [] : opts.hostPaths ?? []).flatMap((p) => [`mkdir -p ${q(`${m}${p}`)}`, `mount --bind -o ro ${q(p)} ${q(`${m}${p}`)}`]),
      sc.readOnlyRootFilesystem ? `mount -o remount,ro ${q(m)}` : "",
      execLine(m, sc, c.workingDir ?? image?.workingDir ?? "/"),
    ].filter(Boolean).join("\n");
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-ec", script, "sh", ...argv];
  };

  /** The file's text, else (FallbackToLogsOnError, failed) the log's tail, as a kubelet reports it. */
  const terminationMessage = async (c: k8s.V1Container, exitCode: number, terminationFile: string, logFile: string): Promise<string> => {
    const message = (await readFile(terminationFile, "utf8")).slice(0, TERMINATION_MESSAGE_MAX_BYTES);
    if (message || exitCode === 0 || c.terminationMessagePolicy !== "FallbackToLogsOnError") return message;
    const text = await readFile(logFile, "utf8");
    return text.split("\n").slice(-FALLBACK_LOG_LINES - 1).join("\n").slice(-FALLBACK_LOG_BYTES);
  };

  const containerStatus = (c: k8s.V1Container, state: k8s.V1ContainerState, restartCount = 0, ready = false): k8s.V1ContainerStatus =>
    ({ name: c.name, image: c.image ?? "", imageID: "", ready, restartCount, started: !!state.running, state });

  /** Resolves env and volumes, waiting (as a kubelet does) while a Secret or key is missing. */
  const configure = async (pod: k8s.V1Pod, c: k8s.V1Container, where: { run: PodRun; podDir: string; terminationFile: string; image?: LocalImage }, init: boolean) => {
    for (;;) {
      try {
        const volumes = where.run.volumes ?? (where.run.volumes = await prepareVolumes(pod, where.podDir));
        return { env: await resolveEnv(pod, c, where.terminationFile, where.image), mounts: mountsOf(c, volumes) };
      } catch (err) {
        if (!(err instanceof ConfigError) || stopping) throw err;
        await updateStatus(pod, (s) => {
          s[init ? "initContainerStatuses" : "containerStatuses"] = [containerStatus(c, { waiting: { reason: "CreateContainerConfigError", message: err.message } })];
        });
        await sleep(1_000);
      }
    }
  };

  /** A runtime's argv for a container of a local image: command or ENTRYPOINT, then args or CMD. */
  const imageArgv = (c: k8s.V1Container, image: LocalImage): string[] =>
    [...(c.command ?? image.entrypoint ?? []), ...(c.args ?? (c.command ? [] : image.cmd ?? []))];

  /** A container of an image this machine lacks: its first word mapped to a local command. */
  const hostArgv = (c: k8s.V1Container): string[] | undefined => {
    const command = c.command ?? [];
    const prefix = command[0] !== undefined ? opts.commands[command[0]] : undefined;
    return prefix ? [...prefix, ...command.slice(1), ...(c.args ?? [])] : undefined;
  };

  /** Runs one container to its end; resolves to its terminated state. */
  const runContainer = async (pod: k8s.V1Pod, c: k8s.V1Container, podDir: string, run: PodRun, init: boolean): Promise<k8s.V1ContainerStateTerminated> => {
    const startedAt = new Date();
    const terminationFile = join(podDir, `${c.name}.termination-log`);
    const logFile = join(podDir, `${c.name}.log`);
    await writeFile(terminationFile, "");
    await chmod(terminationFile, 0o666);
    const image = isolate ? opts.images?.(c.image ?? "") : undefined;
    const argv = image ? imageArgv(c, image) : hostArgv(c);
    if (!argv) {
      return { exitCode: 128, reason: "StartError", message: `the local node cannot run ${JSON.stringify(c.command ?? [])} of image ${c.image}: no such image here, and no local command for it`, startedAt, finishedAt: new Date() };
    }
    const { env, mounts } = await configure(pod, c, { run, podDir, terminationFile, ...(image ? { image } : {}) }, init);
    const [cmd, ...args] = sandboxed(pod, c, argv, { podDir, mounts, ...(image ? { image } : {}) });
    const log = createWriteStream(logFile, { flags: "a" });
    const child = spawn(cmd!, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    run.children.add(child);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    if (!init) void probeReadiness(pod, c, run, child);
    const code = await new Promise<number>((resolve) => child.once("close", (c2, signal) => resolve(c2 ?? (signal === "SIGKILL" ? 137 : 143))));
    run.children.delete(child);
    run.ready.set(c.name, false);
    await new Promise<void>((resolve) => log.end(resolve));
    const message = await terminationMessage(c, code, terminationFile, logFile);
    return { exitCode: code, reason: code === 0 ? "Completed" : "Error", ...(message ? { message } : {}), startedAt, finishedAt: new Date() };
  };

  const podConditions = (ready: boolean) => [
    { type: "PodScheduled", status: "True" }, { type: "Initialized", status: "True" },
    { type: "ContainersReady", status: ready ? "True" : "False" }, { type: "Ready", status: ready ? "True" : "False" },
  ].map((x) => ({ ...x, lastTransitionTime: new Date() }));

  /** httpGet readiness probes against loopback (pods share this machine's network); no probe: ready once started. */
  const readinessCheck = (c: k8s.V1Container): (() => Promise<boolean>) => {
    const probe = c.readinessProbe?.httpGet;
    if (!probe) return async () => true;
    const port = typeof probe.port === "number" ? probe.port : c.ports?.find((p) => p.name === probe.port)?.containerPort ?? Number(probe.port);
    const url = `http://127.0.0.1:${port}${probe.path ?? "/"}`;
    return () => fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
  };

  const probeReadiness = async (pod: k8s.V1Pod, c: k8s.V1Container, run: PodRun, child: ChildProcess) => {
    const check = readinessCheck(c);
    let ready = false;
    while (!stopping && child.exitCode === null && child.signalCode === null) {
      const now = await check();
      if (now !== ready && child.exitCode === null) {
        ready = now;
        run.ready.set(c.name, now);
        const all = pod.spec!.containers.every((x) => run.ready.get(x.name));
        await updateStatus(pod, (s) => {
          s.containerStatuses = (s.containerStatuses ?? []).map((cs) => (cs.name === c.name ? { ...cs, ready: now } : cs));
          s.conditions = podConditions(all);
        }).catch(() => {});
      }
      await sleep(Math.max(1, c.readinessProbe?.periodSeconds ?? 1) * 1_000);
    }
  };

  /** A main container for its whole life: restarts under Always, or OnFailure after a failure. */
  const runMain = async (pod: k8s.V1Pod, c: k8s.V1Container, podDir: string, run: PodRun): Promise<k8s.V1ContainerStateTerminated> => {
    const policy = pod.spec!.restartPolicy ?? "Always";
    for (let restarts = 0; ; restarts++) {
      await updateStatus(pod, (s) => {
        s.containerStatuses = (s.containerStatuses ?? pod.spec!.containers.map((x) => containerStatus(x, { waiting: { reason: "ContainerCreating" } })))
          .map((cs) => (cs.name === c.name ? containerStatus(c, { running: { startedAt: new Date() } }, restarts) : cs));
      });
      const t = await runContainer(pod, c, podDir, run, false);
      const again = !stopping && running.has(pod.metadata!.uid!) && (policy === "Always" || (policy === "OnFailure" && t.exitCode !== 0));
      if (!again) return t;
      await updateStatus(pod, (s) => {
        s.containerStatuses = (s.containerStatuses ?? []).map((cs) => (cs.name === c.name ? containerStatus(c, { waiting: { reason: "CrashLoopBackOff" } }, restarts + 1) : cs));
        s.conditions = podConditions(false);
      });
      await sleep(Math.min(10_000, 1_000 * 2 ** restarts));
    }
  };

  const runPod = (pod: k8s.V1Pod): void => {
    const podDir = join(root, `${pod.metadata!.namespace}_${pod.metadata!.name}`);
    const run: PodRun = { children: new Set(), ready: new Map(), done: Promise.resolve() };
    running.set(pod.metadata!.uid!, run);
    run.done = (async () => {
      await mkdir(podDir, { recursive: true });
      await chmod(podDir, 0o777);
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
        await updateStatus(pod, (s) => { s.initContainerStatuses = [...initStates, containerStatus(c, { running: { startedAt: new Date() } })]; });
        const t = await runContainer(pod, c, podDir, run, true);
        initStates.push(containerStatus(c, { terminated: t }));
        if (t.exitCode !== 0) {
          await updateStatus(pod, (s) => {
            s.phase = "Failed";
            s.initContainerStatuses = initStates;
            s.containerStatuses = mains.map((x) => containerStatus(x, { waiting: { reason: "PodInitializing" } }));
          });
          return;
        }
      }
      await updateStatus(pod, (s) => {
        s.phase = "Running";
        s.initContainerStatuses = initStates;
        s.conditions = podConditions(false);
      });
      const ends = await Promise.all(mains.map((c) => runMain(pod, c, podDir, run)));
      await updateStatus(pod, (s) => {
        s.phase = ends.every((t) => t.exitCode === 0) ? "Succeeded" : "Failed";
        s.containerStatuses = mains.map((c, i) => containerStatus(c, { terminated: ends[i]! }, s.containerStatuses?.find((cs) => cs.name === c.name)?.restartCount ?? 0));
        s.conditions = podConditions(false);
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
    const run = running.get(pod.metadata!.uid!);
    running.delete(pod.metadata!.uid!);
    for (const child of run?.children ?? []) child.kill("SIGTERM");
    await run?.done;
    await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, gracePeriodSeconds: 0 }).catch(() => {});
  };

  const tick = async () => {
    for (const pod of (await core.listPodForAllNamespaces({})).items) {
      if (!pod.spec!.nodeName) {
        if (!pod.metadata!.deletionTimestamp && (opts.accept?.(pod) ?? true)) await bind(pod);
      } else if (pod.spec!.nodeName === name) {
        if (pod.metadata!.deletionTimestamp) await release(pod);
        else if (!running.has(pod.metadata!.uid!) && !pod.status?.startTime) runPod(pod);
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
