// `wearable operator`: runs the Participant/ImputationRun operator until
// SIGTERM, then shuts down gracefully (in-flight reconciles finish, the
// leader lease is released so another replica takes over at once).
import { hostname } from "node:os";
import * as k8s from "@kubernetes/client-node";
import { parseFlags, UsageError, type Command } from "../../lib/cli.ts";
import { createLogger } from "../../lib/logger.ts";
import { loadConfig } from "./runtime/config.ts";
import { Manager } from "./runtime/manager.ts";
import { createDbPool, createEraser } from "./runtime/participant-data.ts";

const usage = `Usage: wearable operator [flags]

Run the Participant/ImputationRun operator: one ingest CronJob (and an
imputation CronJob when configured) per Participant, a Job or CronJob per
ImputationRun, status from the jobs' termination messages.

Flags (environment variable in brackets; flags win):
  --kubeconfig PATH               kubeconfig file [KUBECONFIG]; default: in-cluster
  --image REF                     wearable image the jobs run [WEARABLE_IMAGE] (required)
  --image-pull-policy P           Always|IfNotPresent|Never [WEARABLE_IMAGE_PULL_POLICY]
  --db-secret-name NAME           Secret with the jobs' DATABASE_URL [WEARABLE_DB_SECRET_NAME] (wearable-db)
  --db-secret-key KEY             key in that Secret [WEARABLE_DB_SECRET_KEY] (url)
  --job-service-account NAME      ServiceAccount of job pods [WEARABLE_JOB_SERVICE_ACCOUNT]
  --job-init migrate|none         run \`wearable migrate\` before each job [WEARABLE_JOB_INIT] (migrate)
  --namespaces A,B                watch only these namespaces [WEARABLE_NAMESPACES] (all)
  --concurrency N                 concurrent Participant reconciles [WEARABLE_CONCURRENCY] (16)
  --qps N, --burst N              API client rate limit [WEARABLE_KUBE_QPS, WEARABLE_KUBE_BURST] (50, 100)
  --resync DURATION               re-check every object this often [WEARABLE_RESYNC] (10m)
  --metrics-port N                /metrics, /healthz, /readyz [WEARABLE_METRICS_PORT] (8080)
  --leader-elect true|false       [WEARABLE_LEADER_ELECT] (true)
  --leader-election-id NAME       Lease name [WEARABLE_LEADER_ELECTION_ID] (wearable-operator)
  --leader-election-namespace NS  Lease namespace [WEARABLE_LEADER_ELECTION_NAMESPACE, POD_NAMESPACE] (default)
  --identity ID                   replica identity [POD_NAME] (hostname)
  --field-manager NAME            server-side apply field manager (wearable-operator)
Database (only for dataPolicy: Delete erasure): DATABASE_URL.
Logs: JSON on stderr, level from LOG_LEVEL.`;

const command: Command = {
  name: "operator",
  summary: "Run the Participant/ImputationRun operator",
  usage,
  async run(argv) {
    const s = { type: "string" } as const;
    const { values } = parseFlags(argv, {
      kubeconfig: s, image: s, "image-pull-policy": s, "db-secret-name": s, "db-secret-key": s, "job-service-account": s, "job-init": s,
      namespaces: s, concurrency: s, qps: s, burst: s, resync: s, "metrics-port": s, "leader-elect": s, "leader-election-id": s,
      "leader-election-namespace": s, identity: s, "field-manager": s,
    });
    let config;
    try {
      config = loadConfig(process.env, values, hostname());
    } catch (err) {
      throw new UsageError((err as Error).message, { cause: err });
    }
    const log = createLogger({ name: "wearable-operator" });
    const kc = new k8s.KubeConfig();
    const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG;
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromCluster();
    const pool = config.databaseUrl ? createDbPool(config.databaseUrl) : undefined;
    let exitCode = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const manager = new Manager({
      config, kubeConfig: kc, log,
      ...(pool ? { eraser: createEraser(pool) } : {}),
      onFatal: (reason) => {
        log.error({ reason }, "Stopping the operator");
        exitCode = 1;
        resolveDone();
      },
    });
    const onSignal = (sig: string) => {
      log.info({ signal: sig }, "Received signal; shutting down");
      resolveDone();
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    await manager.start();
    log.info({ identity: config.identity, metricsPort: manager.metricsPort, image: config.image }, "Started the operator");
    await done;
    await manager.stop();
    await pool?.end();
    return exitCode;
  },
};
export default command;
