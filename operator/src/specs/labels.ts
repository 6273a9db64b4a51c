// The one place that builds labels for owned objects. Informers select owned
// Jobs, CronJobs and Pods with MANAGED_BY_SELECTOR, and the participant label
// maps a Job or Pod back to its Participant without an API call.
import { GROUP } from "../api/v1alpha1/group.ts";
import { labelValue } from "./names.ts";

export const APP_NAME = "wearable-pipeline";
export const MANAGER = "wearable-operator";
export const PARTICIPANT_LABEL = `${GROUP}/participant`;
export const IMPUTATION_RUN_LABEL = `${GROUP}/imputationrun`;
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const SPEC_HASH_ANNOTATION = `${GROUP}/spec-hash`;
export const MANAGED_BY_SELECTOR = `app.kubernetes.io/managed-by=${MANAGER}`;

export type Component = "ingest" | "impute";

export interface LabelInput {
  component: Component;
  /** Name of the owning CR (app.kubernetes.io/instance). */
  instance: string;
  /** Name of the Participant object the work is for. */
  participant: string;
  imputationRun?: string;
  version?: string;
}

export function buildLabels(input: LabelInput): Record<string, string> {
  return {
    "app.kubernetes.io/name": APP_NAME,
    "app.kubernetes.io/instance": labelValue(input.instance),
    [COMPONENT_LABEL]: input.component,
    "app.kubernetes.io/part-of": APP_NAME,
    "app.kubernetes.io/managed-by": MANAGER,
    ...(input.version ? { "app.kubernetes.io/version": labelValue(input.version) } : {}),
    [PARTICIPANT_LABEL]: labelValue(input.participant),
    ...(input.imputationRun ? { [IMPUTATION_RUN_LABEL]: labelValue(input.imputationRun) } : {}),
  };
}
