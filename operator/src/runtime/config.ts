// Operator configuration from environment variables and flags (flags win),
// validated by zod so a typo fails at start-up with the variable's name
// instead of producing broken CronJobs later.
import { z } from "zod";
import { parseDuration } from "../../../lib/cli.ts";

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|k|M|G)?$/, "must be a Kubernetes quantity such as 100m or 256Mi");
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label (lower-case letters, digits, '-')").max(63);

export const jobSettingsSchema = z.object({
  backoffLimit: z.coerce.number().int().min(0).max(10).default(2),
  activeDeadlineSeconds: z.coerce.number().int().min(60).default(3600),
  ttlSecondsAfterFinished: z.coerce.number().int().min(0).default(86400),
  successfulJobsHistoryLimit: z.coerce.number().int().min(0).max(20).default(3),
  failedJobsHistoryLimit: z.coerce.number().int().min(0).max(20).default(5),
  cpuRequest: quantity.default("100m"),
  memoryRequest: quantity.default("128Mi"),
  memoryLimit: quantity.default("512Mi"),
  /** Pods run as this (non-root) user; the image's user should match. */
  runAsUser: z.coerce.number().int().min(1).default(65532),
});
export type JobSettings = z.output<typeof jobSettingsSchema>;

export const operatorConfigSchema = z.object({
  image: z.string({ error: "set WEARABLE_IMAGE or --image to the wearable image, e.g. ghcr.io/org/wearable:0.1.0" }).min(1, "set WEARABLE_IMAGE or --image to the wearable image"),
  imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).default("IfNotPresent"),
  /** Secret (in each participant's namespace) with the database URL the jobs use. */
  dbSecretName: dnsLabel.default("wearable-db"),
  dbSecretKey: z.string().min(1).default("url"),
  /** The operator's own database URL, used only to erase a withdrawn participant's rows. */
  databaseUrl: z.string().optional(),
  /** Empty: every namespace. */
  namespaces: z.array(dnsLabel).default([]),
  concurrency: z.coerce.number().int().min(1).max(100).default(16),
  /** Client-side rate limit for API requests (token bucket), like client-go's QPS/Burst. */
  qps: z.coerce.number().min(1).default(50),
  burst: z.coerce.number().int().min(1).default(100),
  metricsPort: z.coerce.number().int().min(0).max(65535).default(8080),
  leaderElect: z.boolean().default(true),
  leaderElectionId: dnsLabel.default("wearable-operator"),
  leaderElectionNamespace: dnsLabel.default("default"),
  resyncMs: z.number().int().min(1000).default(10 * 60_000),
  fieldManager: z.string().min(1).max(128).default("wearable-operator"),
  /** ServiceAccount the job pods run as (the chart creates it); unset uses the namespace default. */
  jobServiceAccountName: dnsLabel.optional(),
  /**
   * "migrate" runs `wearable migrate` as an init container before each job:
   * migrations are idempotent and advisory-locked (issue 3), so this both
   * waits for and guarantees the schema without a separate ordering step.
   * "none" when a Helm hook or a DBA migrates.
   */
  jobInit: z.enum(["migrate", "none"]).default("migrate"),
  job: jobSettingsSchema.default(jobSettingsSchema.parse({})),
  identity: z.string().min(1).max(128),
});
export type OperatorConfig = z.output<typeof operatorConfigSchema>;

export interface FlagValues {
  [flag: string]: string | boolean | undefined;
}

const list = (v: string | undefined) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined);
const bool = (v: string | boolean | undefined) => (v === undefined ? undefined : v === true || v === "true" || v === "1");
const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Merges env and flags into a validated config; throws an Error listing every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv, flags: FlagValues, hostname: string): OperatorConfig {
  const f = (k: string) => (typeof flags[k] === "string" ? (flags[k] as string) : undefined);
  const raw = defined({
    image: f("image") ?? env.WEARABLE_IMAGE,
    imagePullPolicy: f("image-pull-policy") ?? env.WEARABLE_IMAGE_PULL_POLICY,
    dbSecretName: f("db-secret-name") ?? env.WEARABLE_DB_SECRET_NAME,
    dbSecretKey: f("db-secret-key") ?? env.WEARABLE_DB_SECRET_KEY,
    databaseUrl: f("database-url") ?? env.DATABASE_URL,
    namespaces: list(f("namespaces") ?? env.WEARABLE_NAMESPACES),
    concurrency: f("concurrency") ?? env.WEARABLE_CONCURRENCY,
    qps: f("qps") ?? env.WEARABLE_KUBE_QPS,
    burst: f("burst") ?? env.WEARABLE_KUBE_BURST,
    metricsPort: f("metrics-port") ?? env.WEARABLE_METRICS_PORT,
    leaderElect: bool(flags["leader-elect"] ?? env.WEARABLE_LEADER_ELECT),
    leaderElectionId: f("leader-election-id") ?? env.WEARABLE_LEADER_ELECTION_ID,
    leaderElectionNamespace: f("leader-election-namespace") ?? env.WEARABLE_LEADER_ELECTION_NAMESPACE ?? env.POD_NAMESPACE,
    resyncMs: (() => { const v = f("resync") ?? env.WEARABLE_RESYNC; return v ? parseDuration(v, "--resync") : undefined; })(),
    fieldManager: f("field-manager") ?? env.WEARABLE_FIELD_MANAGER,
    jobServiceAccountName: f("job-service-account") ?? env.WEARABLE_JOB_SERVICE_ACCOUNT,
    jobInit: f("job-init") ?? env.WEARABLE_JOB_INIT,
    job: defined({
      backoffLimit: env.WEARABLE_JOB_BACKOFF_LIMIT,
      activeDeadlineSeconds: env.WEARABLE_JOB_ACTIVE_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: env.WEARABLE_JOB_TTL_SECONDS,
      cpuRequest: env.WEARABLE_JOB_CPU_REQUEST,
      memoryRequest: env.WEARABLE_JOB_MEMORY_REQUEST,
      memoryLimit: env.WEARABLE_JOB_MEMORY_LIMIT,
    }),
    identity: f("identity") ?? env.POD_NAME ?? hostname,
  });
  const parsed = operatorConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(config)"}: ${i.message}`);
    throw new Error(`invalid operator configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
