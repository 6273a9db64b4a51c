// Types shared by Participant and ImputationRun: object metadata, conditions,
// metric and method names, and the small string formats (cron, duration,
// time zone, DNS names) with their validation messages.
import { z } from "zod";
import { immutableRule, matchesRule, withRules } from "./cel.ts";

/** Everything a Participant can ingest (the ingest job's --metrics values). */
export const INGEST_METRICS = ["heart_rate", "steps", "sleep", "spo2", "hrv", "resting_heart_rate"] as const;
export type IngestMetric = (typeof INGEST_METRICS)[number];
/** Metrics the imputation engine handles (`wearable impute --metric`, issue 4). */
export const IMPUTE_METRICS = ["heart_rate", "steps"] as const;
export type ImputeMetric = (typeof IMPUTE_METRICS)[number];
/** The imputation engine's methods (issue 4); `auto` picks one per metric and gap. */
export const IMPUTE_METHODS = ["auto", "arima", "seasonal", "linear", "locf"] as const;
export type ImputeMethod = (typeof IMPUTE_METHODS)[number];

// Kubernetes object names referenced from a spec (Secrets, Participants): DNS-1123 subdomain.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const objectName = (field: string) =>
  withRules(z.string().min(1).max(253), [
    matchesRule(DNS_SUBDOMAIN, `${field} must be a Kubernetes object name: lower-case letters, digits, '-' and '.', e.g. "p001-google"`),
  ]);

// A 5-field cron line or a macro. TZ= prefixes are refused: the time zone has its own field.
const CRON = /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|([0-9*?/,A-Za-z-]+ +){4}[0-9*?/,A-Za-z-]+)$/;
export const cronSchedule = () =>
  withRules(z.string().min(1).max(100), [
    matchesRule(CRON, 'schedule must be a 5-field cron expression such as "30 2 * * *" or a macro such as @daily (set the time zone in timeZone, not with TZ=)'),
  ]);

// Durations in the jobs' flag syntax (lib/cli.ts parseDuration), whole units only.
const DURATION = /^[1-9][0-9]{0,5}(s|m|h|d)$/;
export const duration = (field: string, example: string) =>
  withRules(z.string().min(2).max(8), [
    matchesRule(DURATION, `${field} must be a whole number with a unit s, m, h or d, e.g. ${example}`),
  ]);

// IANA zone names (Europe/Berlin, America/Argentina/Buenos_Aires, UTC, Etc/GMT+5).
// The API server checks the name against its tz database when the CronJob is applied.
const TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;
export const timeZone = () =>
  withRules(z.string().min(1).max(64), [
    matchesRule(TIME_ZONE, 'timeZone must be an IANA time zone name such as "Europe/Berlin" or "UTC"'),
  ]);

export const secretKeyRef = (field: string, what: string, defaultKey: string) =>
  z.object({
    name: objectName(`${field}.name`).describe("Name of the Secret in the same namespace."),
    key: z.string().min(1).max(253).default(defaultKey).describe(`Key in the Secret that holds the ${what}.`),
  });

export { immutableRule };

/** metav1.Condition, as the Kubernetes API conventions define it. */
export const conditionSchema = z.object({
  type: z.string().min(1).max(316).describe("Condition type, e.g. Ready."),
  status: z.enum(["True", "False", "Unknown"]),
  observedGeneration: z.number().int().min(0).optional().describe(".metadata.generation the condition was computed from."),
  lastTransitionTime: z.string().max(64).describe("When the status last changed (RFC 3339)."),
  reason: z.string().min(1).max(1024).describe("CamelCase, machine-readable cause."),
  message: z.string().max(32768).describe("Human-readable details."),
});
export type Condition = z.infer<typeof conditionSchema>;

/** Conditions as a list-map keyed by type, so server-side apply merges by type. */
export const conditionsSchema = () =>
  z.array(conditionSchema).max(16).meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] });

/** The slice of ObjectMeta the operator reads. Not part of the CRD schema (the API server owns metadata). */
export const objectMetaSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
}).loose();
export type ObjectMeta = z.infer<typeof objectMetaSchema>;
