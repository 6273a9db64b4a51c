// What every controller gets: the API client, cached stores, the config,
// and the side-effect sinks (Events, metrics, logs, the database eraser).
import type { V1CronJob, V1Job, V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { OperatorConfig } from "../runtime/config.ts";
import type { EventRecorder } from "../runtime/events.ts";
import type { Obj, KubeClient } from "../runtime/kube-client.ts";
import type { Metrics } from "../runtime/metrics.ts";
import type { OwnerIndex } from "../runtime/owner-index.ts";
import type { Eraser } from "../runtime/participant-data.ts";
import type { Store } from "../runtime/store.ts";
import type { JobOptions } from "../specs/job-pod.ts";
import type { StatusObj } from "./status-patch.ts";

export type KubeObj<T> = T & Obj & { metadata: { name: string; namespace: string } };
export type CustomObj = StatusObj & { spec?: unknown; metadata: StatusObj["metadata"] & { uid?: string; deletionTimestamp?: string; finalizers?: string[] } };

export interface ControllerContext {
  client: KubeClient;
  config: OperatorConfig;
  jobOptions: JobOptions;
  participants: Store<CustomObj>;
  imputationRuns: Store<CustomObj>;
  cronJobs: Store<KubeObj<V1CronJob>>;
  jobs: Store<KubeObj<V1Job>>;
  pods: Store<KubeObj<V1Pod>>;
  jobsByOwner: OwnerIndex<KubeObj<V1Job>>;
  podsByOwner: OwnerIndex<KubeObj<V1Pod>>;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  eraser?: Eraser;
  now: () => Date;
}

export function jobOptionsFrom(config: OperatorConfig): JobOptions {
  return {
    image: config.image,
    imagePullPolicy: config.imagePullPolicy,
    dbSecretName: config.dbSecretName,
    dbSecretKey: config.dbSecretKey,
    ...(config.jobServiceAccountName ? { jobServiceAccountName: config.jobServiceAccountName } : {}),
    jobInit: config.jobInit,
    job: config.job,
  };
}
