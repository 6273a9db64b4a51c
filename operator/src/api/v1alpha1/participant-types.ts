// Participant: one enrolled person whose wearable data the pipeline ingests.
// This zod schema is the source of truth for the CRD (operator/scripts/
// generate-crds.ts turns it into crds/wearables.dev_participants.yaml).
import { z } from "zod";
import { PROFILE_NAMES } from "../../../../jobs/sources/synthetic/profiles.ts";
import { immutableRule, matchesRule, withRules } from "./cel.ts";
import {
  INGEST_METRICS, IMPUTE_METHODS, IMPUTE_METRICS, conditionsSchema, cronSchedule, duration, objectMetaSchema,
  objectName, secretKeyRef, timeZone,
} from "./common-types.ts";

// Passed to jobs as a flag value and used in SQL parameters; kept to a safe, readable alphabet.
const PARTICIPANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const googleHealthSourceSchema = z.object({
  secretRef: z.object({
    name: objectName("source.googleHealth.secretRef.name").describe("Name of the Secret in the same namespace."),
  }).describe("Secret (same namespace) holding the Google OAuth client id/secret and the participant's refresh token. The ingest job writes a rotated refresh token back to it."),
}).describe("Read from the Google Health API with the participant's OAuth refresh token.");

export const syntheticSourceSchema = z.object({
  seed: z.number().int().min(0).max(2147483647).optional()
    .describe("Random seed; unset lets the ingest job derive a stable seed from participantId."),
  // The names come from the synthetic source itself, so the CRD cannot drift from what the job accepts.
  profile: z.enum(PROFILE_NAMES).optional().describe("Behaviour profile of the synthetic person; unset uses the job's default."),
}).describe("Deterministic synthetic data, for demos and tests.");

export const participantSourceSchema = withRules(z.object({
  googleHealth: googleHealthSourceSchema.optional(),
  synthetic: syntheticSourceSchema.optional(),
}), [{
  rule: "has(self.googleHealth) != has(self.synthetic)",
  message: "set exactly one of source.googleHealth or source.synthetic",
  check: (s) => (s.googleHealth !== undefined) !== (s.synthetic !== undefined),
}]).describe("Where the data comes from: exactly one of googleHealth or synthetic.");

export const imputationMetricSchema = z.object({
  metric: z.enum(IMPUTE_METRICS).describe("Sample metric to impute (sleep is not imputed)."),
  method: z.enum(IMPUTE_METHODS).default("auto").describe("Imputation method; auto picks per gap."),
});

export const participantImputationSchema = z.object({
  schedule: cronSchedule().optional()
    .describe("Cron schedule of the imputation CronJob; unset spreads it by a hash of the name, after the ingest runs."),
  lookback: duration("imputation.lookback", "7d").default("7d").describe("Window re-imputed on each run."),
  maxGap: duration("imputation.maxGap", "120m").default("120m").describe("Longer gaps stay empty (treated as non-wear)."),
  metrics: z.array(imputationMetricSchema).min(1).max(IMPUTE_METRICS.length)
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["metric"] })
    .describe("Metrics to impute, each with its method."),
}).describe("Scheduled gap imputation for this participant; unset means none.");

export const participantSpecSchema = z.object({
  participantId: withRules(z.string().min(1).max(63), [
    matchesRule(PARTICIPANT_ID, 'participantId must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "P001"'),
    immutableRule("participantId"),
  ]).describe("Study identifier of the participant, the key of every database row. Immutable."),
  source: participantSourceSchema,
  metrics: z.array(z.enum(INGEST_METRICS)).min(1).max(INGEST_METRICS.length).default(["heart_rate", "steps", "sleep"])
    .meta({ "x-kubernetes-list-type": "set" })
    .describe("Metrics to ingest."),
  schedule: cronSchedule().optional()
    .describe("Cron schedule of the ingest CronJob; unset spreads start times by a hash of the name (every 6 hours)."),
  timeZone: timeZone().default("UTC").describe("IANA time zone of the participant: for day boundaries and the schedule."),
  backfillDays: z.number().int().min(1).max(365).default(30).describe("How far back the first ingest reads."),
  suspend: z.boolean().default(false).describe("Pause scheduled ingest and imputation; existing data stays."),
  imputation: participantImputationSchema.optional(),
  dataPolicy: z.enum(["Retain", "Delete"]).default("Retain")
    .describe("Delete erases the participant's rows from the database when the Participant is deleted (withdrawal, right to erasure)."),
  contactSecretRef: secretKeyRef("contactSecretRef", "contact email", "email").optional()
    .describe("Secret holding the participant's email for the outreach service. Personal data never goes in the CR."),
});

export const adherenceSchema = z.object({
  windowDays: z.number().int().min(1).max(366),
  wearPercent: z.number().min(0).max(100).describe("Share of minutes with heart-rate data in the window."),
  validDays: z.number().int().min(0).max(366).describe("Days with at least the valid-day minutes of wear."),
  reportedAt: z.string().max(64).describe("When the ingest job that reported it finished."),
});

export const participantStatusSchema = z.object({
  observedGeneration: z.number().int().min(0).optional(),
  conditions: conditionsSchema().optional(),
  schedule: z.string().max(100).optional().describe("Effective ingest schedule (the hashed default when spec.schedule is unset)."),
  lastSuccessfulIngestTime: z.string().max(64).optional(),
  lastFailedIngestTime: z.string().max(64).optional(),
  consecutiveIngestFailures: z.number().int().min(0).optional(),
  lastIngest: z.object({
    jobName: z.string().max(63),
    rowsWritten: z.number().int().min(0).optional(),
    rowsRejected: z.number().int().min(0).optional(),
    lastSampleTime: z.string().max(64).optional(),
  }).optional().describe("Summary of the newest finished ingest Job, from its termination message."),
  adherence: adherenceSchema.optional().describe("Adherence over the last days as reported by the latest ingest run."),
  lastImputation: z.object({
    jobName: z.string().max(63),
    result: z.enum(["Succeeded", "Failed"]),
    finishedAt: z.string().max(64),
    gapsFound: z.number().int().min(0).optional(),
    gapsFilled: z.number().int().min(0).optional(),
    pointsImputed: z.number().int().min(0).optional(),
    message: z.string().max(2000).optional().describe("Why it failed, from the Job and the job's termination message."),
  }).optional().describe("The newest finished Job of the participant's imputation CronJob (spec.imputation)."),
});

export const participantSchema = z.object({
  apiVersion: z.string().max(64).optional(),
  kind: z.string().max(64).optional(),
  metadata: objectMetaSchema,
  spec: participantSpecSchema,
  status: participantStatusSchema.optional(),
});

export type ParticipantSpec = z.output<typeof participantSpecSchema>;
export type ParticipantStatus = z.output<typeof participantStatusSchema>;
export type Participant = z.output<typeof participantSchema>;
export type Adherence = z.output<typeof adherenceSchema>;
