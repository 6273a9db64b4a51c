// Builds the CustomResourceDefinitions from the zod types, so the API server
// and the operator validate with one definition.
//
// Why generate (instead of hand-writing YAML and cross-testing): the zod
// schema is what the operator parses objects with, and the CRD is what the
// API server enforces; generating one from the other makes drift impossible
// rather than merely detectable. CEL rules are attached to the zod schemas as
// metadata next to an equivalent TypeScript check (see cel.ts), the generator
// post-processes zod's JSON Schema into a Kubernetes structural schema, and
// crd-build.test.ts fails when crds/*.yaml differs from this output
// (regenerate with `node operator/scripts/generate-crds.ts`).
import { z } from "zod";
import { API_VERSION, CATEGORY, GROUP, IMPUTATION_RUN, PARTICIPANT, VERSION } from "./group.ts";
import { participantSpecSchema, participantStatusSchema } from "./participant-types.ts";
import { imputationRunSpecSchema, imputationRunStatusSchema } from "./imputationrun-types.ts";

type Json = Record<string, unknown>;

// JSON Schema keywords a structural schema may carry; anything else zod emits is dropped.
const KEEP = new Set([
  "type", "description", "properties", "items", "required", "enum", "default", "minimum", "maximum",
  "minLength", "maxLength", "minItems", "maxItems", "pattern", "format", "nullable",
  "x-kubernetes-validations", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
]);

/** zod JSON Schema (draft 2020-12) -> Kubernetes structural OpenAPI v3 schema. */
export function toStructural(node: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEEP.has(key)) continue;
    if (key === "properties") {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Json>).map(([k, v]) => [k, toStructural(v)]));
    } else if (key === "items") {
      out.items = toStructural(value as Json);
    } else if ((key === "minimum" || key === "maximum") && Math.abs(value as number) >= Number.MAX_SAFE_INTEGER) {
      continue; // zod's int() bounds: noise in a CRD
    } else if (key === "pattern" && node.format === "date-time") {
      continue;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function schemaOf(type: z.ZodType): Json {
  // io "input": optional-with-default fields are not listed as required, as users may omit them.
  return toStructural(z.toJSONSchema(type, { io: "input", unrepresentable: "throw" }) as Json);
}

interface Column { name: string; type: string; jsonPath: string; description: string; priority?: number; format?: string }

function crd(names: { kind: string; plural: string; singular: string; shortNames: readonly string[] }, spec: z.ZodType, status: z.ZodType, description: string, columns: Column[]) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${names.plural}.${GROUP}`,
      labels: { "app.kubernetes.io/name": "wearable-pipeline", "app.kubernetes.io/part-of": "wearable-pipeline" },
    },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: { kind: names.kind, listKind: `${names.kind}List`, plural: names.plural, singular: names.singular, shortNames: [...names.shortNames], categories: [CATEGORY] },
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: columns,
        schema: {
          openAPIV3Schema: {
            type: "object",
            description,
            required: ["spec"],
            properties: {
              apiVersion: { type: "string", description: `${API_VERSION}` },
              kind: { type: "string", description: names.kind },
              metadata: { type: "object" },
              spec: schemaOf(spec),
              status: schemaOf(status),
            },
          },
        },
      }],
    },
  };
}

const readyColumn = (): Column => ({ name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: "Ready condition" });
const ageColumn = (): Column => ({ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Time since creation" });

export function buildParticipantCrd() {
  return crd(PARTICIPANT, participantSpecSchema, participantStatusSchema,
    "A study participant whose wearable data is ingested on a schedule into TimescaleDB.", [
      { name: "Participant ID", type: "string", jsonPath: ".spec.participantId", description: "Study identifier" },
      readyColumn(),
      { name: "Schedule", type: "string", jsonPath: ".status.schedule", description: "Effective ingest schedule" },
      { name: "Last Ingest", type: "date", jsonPath: ".status.lastSuccessfulIngestTime", description: "Finish time of the newest successful ingest" },
      { name: "Wear 7d %", type: "number", jsonPath: ".status.adherence.wearPercent", description: "Wear time in the last 7 days, percent" },
      { name: "Valid Days", type: "integer", jsonPath: ".status.adherence.validDays", description: "Valid days in the last 7", priority: 1 },
      { name: "Reason", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: "Why (not) Ready", priority: 1 },
      ageColumn(),
    ]);
}

export function buildImputationRunCrd() {
  return crd(IMPUTATION_RUN, imputationRunSpecSchema, imputationRunStatusSchema,
    "Fills sensor dropouts in one participant's metric, once or on a schedule.", [
      { name: "Participant", type: "string", jsonPath: ".spec.participantRef.name", description: "Participant object" },
      { name: "Metric", type: "string", jsonPath: ".spec.metric", description: "Imputed metric" },
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Pending, Running, Succeeded, Failed, Scheduled or Suspended" },
      { name: "Imputed", type: "integer", jsonPath: ".status.pointsImputed", description: "Points imputed by the newest finished run" },
      { name: "Gaps", type: "integer", jsonPath: ".status.gapsFound", description: "Gaps found by the newest finished run", priority: 1 },
      readyColumn(),
      ageColumn(),
    ]);
}

export const CRD_FILES = {
  "wearables.dev_participants.yaml": buildParticipantCrd,
  "wearables.dev_imputationruns.yaml": buildImputationRunCrd,
} as const;
