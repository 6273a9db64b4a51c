// The Job of a one-shot ImputationRun. Its name carries a hash of what the
// job does, so changing the run's range or method yields a new Job (Job pod
// templates are immutable) while a restart finds the same one.
import type { V1Job, V1JobSpec } from "@kubernetes/client-node";
import { API_VERSION, IMPUTATION_RUN } from "../api/v1alpha1/group.ts";
import type { ImputationRun } from "../api/v1alpha1/imputationrun-types.ts";
import type { Participant } from "../api/v1alpha1/participant-types.ts";
import { buildJobPodTemplate, buildJobSpec, type JobOptions } from "./job-pod.ts";
import { buildLabels } from "./labels.ts";
import { MAX_JOB_NAME, boundedName } from "./names.ts";
import { buildOwnerReference } from "./owner.ts";
import { buildImputeArgs } from "./participant-args.ts";
import { hashOf, withSpecHash } from "./spec-hash.ts";

export function imputationRunLabels(ir: ImputationRun) {
  return buildLabels({ component: "impute", instance: ir.metadata.name, participant: ir.spec.participantRef.name, imputationRun: ir.metadata.name });
}

/** The Job spec both the one-shot Job and the scheduled CronJob run. */
export function buildImputationRunJobSpec(ir: ImputationRun, pt: Participant, opts: JobOptions): V1JobSpec {
  const { spec } = ir;
  const args = buildImputeArgs({
    participantId: pt.spec.participantId, metric: spec.metric, method: spec.method, maxGap: spec.maxGap,
    ...(spec.lookback !== undefined ? { lookback: spec.lookback } : { from: spec.from, to: spec.to }),
  });
  const template = buildJobPodTemplate({ labels: imputationRunLabels(ir), steps: [{ name: "impute", args }], needsApiToken: false }, opts);
  return buildJobSpec(template, opts);
}

export function imputationRunJobName(ir: ImputationRun, jobSpec: V1JobSpec): string {
  return boundedName(ir.metadata.name, `-${hashOf(jobSpec).slice(0, 8)}`, MAX_JOB_NAME);
}

/** null when the run is scheduled (buildImputationRunCronJob covers that). */
export function buildImputationRunJob(ir: ImputationRun, pt: Participant, opts: JobOptions): V1Job | null {
  if (ir.spec.schedule !== undefined) return null;
  const spec = buildImputationRunJobSpec(ir, pt, opts);
  return withSpecHash<V1Job>({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: imputationRunJobName(ir, spec),
      namespace: ir.metadata.namespace,
      labels: imputationRunLabels(ir),
      ownerReferences: [buildOwnerReference(ir, API_VERSION, IMPUTATION_RUN.kind)],
    },
    spec,
  });
}
