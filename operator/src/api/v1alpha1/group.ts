// Names of the wearables.dev/v1alpha1 API: one place, so the CRDs, the
// builders, the informers and the RBAC test agree on every spelling.
export const GROUP = "wearables.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

export const PARTICIPANT = { kind: "Participant", plural: "participants", singular: "participant", shortNames: ["pt"] } as const;
export const IMPUTATION_RUN = { kind: "ImputationRun", plural: "imputationruns", singular: "imputationrun", shortNames: ["ir"] } as const;

/** Finalizer that erases a withdrawn participant's rows before the Participant goes (dataPolicy: Delete). */
export const ERASE_DATA_FINALIZER = `${GROUP}/erase-data`;
/** Category so `kubectl get wearables` lists both kinds. */
export const CATEGORY = "wearables";
