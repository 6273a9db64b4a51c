// CR literals and options shared by the builder unit tests.
import { participantSchema, type Participant } from "../api/v1alpha1/participant-types.ts";
import { imputationRunSchema, type ImputationRun } from "../api/v1alpha1/imputationrun-types.ts";
import { jobSettingsSchema } from "../runtime/config.ts";
import type { JobOptions } from "./job-pod.ts";

export const OPTS: JobOptions = {
  image: "ghcr.io/example/wearable:0.1.0",
  imagePullPolicy: "IfNotPresent",
  dbSecretName: "wearable-db",
  dbSecretKey: "url",
  jobServiceAccountName: "wearable-job",
  jobInit: "migrate",
  job: jobSettingsSchema.parse({}),
};

/** A Participant as the API server returns it (defaults applied), parsed by the operator's zod type. */
export function participant(name = "p001", spec: Record<string, unknown> = {}, namespace = "study-a"): Participant {
  return participantSchema.parse({
    apiVersion: "wearables.dev/v1alpha1",
    kind: "Participant",
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
    spec: { participantId: "P001", source: { synthetic: { seed: 42, profile: "compliant" } }, ...spec },
  });
}

export function imputationRun(name = "p001-hr", spec: Record<string, unknown> = {}, namespace = "study-a"): ImputationRun {
  return imputationRunSchema.parse({
    apiVersion: "wearables.dev/v1alpha1",
    kind: "ImputationRun",
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
    spec: { participantRef: { name: "p001" }, metric: "heart_rate", from: "2025-11-01T00:00:00Z", to: "2025-11-08T00:00:00Z", ...spec },
  });
}
