// The pod template every job shares: restricted pod security, the database
// URL from a Secret, a writable /tmp, and a termination message the operator
// reads to fill CR status without the job calling the Kubernetes API.
import type { V1Container, V1EnvVar, V1JobSpec, V1PodTemplateSpec } from "@kubernetes/client-node";
import type { JobSettings } from "../runtime/config.ts";

export const TERMINATION_LOG = "/dev/termination-log";

/** What the builders need from the operator config: explicit, so builders never read env. */
export interface JobOptions {
  image: string;
  imagePullPolicy: "Always" | "IfNotPresent" | "Never";
  dbSecretName: string;
  dbSecretKey: string;
  jobServiceAccountName?: string;
  jobInit: "migrate" | "none";
  job: JobSettings;
}

export interface ContainerInput {
  name: string;
  args: string[];
}

function env(opts: JobOptions): V1EnvVar[] {
  return [
    { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: opts.dbSecretName, key: opts.dbSecretKey } } },
    { name: "TERMINATION_LOG", value: TERMINATION_LOG },
    { name: "NODE_OPTIONS", value: "--max-old-space-size=384" },
  ];
}

export function buildJobContainer(input: ContainerInput, opts: JobOptions): V1Container {
  return {
    name: input.name,
    image: opts.image,
    imagePullPolicy: opts.imagePullPolicy,
    command: ["wearable"],
    args: input.args,
    env: env(opts),
    resources: {
      requests: { cpu: opts.job.cpuRequest, memory: opts.job.memoryRequest },
      limits: { memory: opts.job.memoryLimit },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    terminationMessagePath: TERMINATION_LOG,
    // The job writes a JSON summary there; if it dies before, the log tail explains why.
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}

export interface PodTemplateInput {
  labels: Record<string, string>;
  /** Run in order before the main container (all but the last step of a multi-step job). */
  steps: ContainerInput[];
  /** Only jobs that write to the API (token rotation) get a token. */
  needsApiToken: boolean;
}

export function buildJobPodTemplate(input: PodTemplateInput, opts: JobOptions): V1PodTemplateSpec {
  const steps = input.steps;
  const main = steps[steps.length - 1];
  if (!main) throw new Error("a job needs at least one step");
  const init = [
    ...(opts.jobInit === "migrate" ? [{ name: "migrate", args: ["migrate"] }] : []),
    ...steps.slice(0, -1),
  ];
  return {
    metadata: { labels: input.labels },
    spec: {
      restartPolicy: "Never",
      ...(opts.jobServiceAccountName ? { serviceAccountName: opts.jobServiceAccountName } : {}),
      automountServiceAccountToken: input.needsApiToken,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: opts.job.runAsUser,
        runAsGroup: opts.job.runAsUser,
        fsGroup: opts.job.runAsUser,
        seccompProfile: { type: "RuntimeDefault" },
      },
      ...(init.length ? { initContainers: init.map((c) => buildJobContainer(c, opts)) } : {}),
      containers: [buildJobContainer(main, opts)],
      volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
    },
  };
}

export function buildJobSpec(template: V1PodTemplateSpec, opts: JobOptions): V1JobSpec {
  return {
    backoffLimit: opts.job.backoffLimit,
    activeDeadlineSeconds: opts.job.activeDeadlineSeconds,
    ttlSecondsAfterFinished: opts.job.ttlSecondsAfterFinished,
    template,
  };
}
