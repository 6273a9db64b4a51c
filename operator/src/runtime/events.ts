// Kubernetes Events for significant transitions (CronJob created, ingest
// failed or recovered, data erased). Sent in the background with their own
// small budget, so a burst of Events never delays reconciles, and dropped
// (with a log line) rather than queued without bound.
import type { Logger } from "pino";
import { randomBytes } from "node:crypto";
import { RESOURCES, type KubeClient } from "./kube-client.ts";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorder {
  record(target: EventTarget, type: "Normal" | "Warning", reason: string, message: string): void;
  flush(): Promise<void>;
}

export function createEventRecorder(client: KubeClient, component: string, instance: string, log: Logger, maxPending = 1000): EventRecorder {
  let pending: Promise<void> = Promise.resolve();
  let queued = 0;
  return {
    record(target, type, reason, message) {
      if (queued >= maxPending) {
        log.warn({ reason, kind: target.kind, name: target.metadata.name }, "Dropped an Event: too many pending");
        return;
      }
      queued++;
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      const namespace = target.metadata.namespace ?? "default";
      const body = {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `${target.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
        involvedObject: { apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name, namespace, uid: target.metadata.uid, resourceVersion: target.metadata.resourceVersion },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component, host: instance },
        reportingComponent: component,
        reportingInstance: instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      pending = pending.then(() => client.create(RESOURCES.event, namespace, body)).then(
        () => { queued--; },
        (err: unknown) => {
          queued--;
          log.warn({ err: String(err), reason }, "Could not record an Event");
        },
      );
    },
    flush: () => pending,
  };
}
