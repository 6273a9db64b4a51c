// ImputationRun: fill sensor dropouts of one participant's metric, once (a Job)
// or on a schedule (a CronJob). Source of truth for
// crds/wearables.dev_imputationruns.yaml.
import { z } from "zod";
import { withRules } from "./cel.ts";
import {
  IMPUTE_METHODS, IMPUTE_METRICS, conditionsSchema, cronSchedule, duration, immutableRule, objectMetaSchema, objectName,
} from "./common-types.ts";

const instant = (field: string) =>
  withRules(z.string().min(1).max(64), [{
    rule: "self.matches('^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$')",
    message: `${field} must be an RFC 3339 time such as "2025-11-01T00:00:00Z"`,
    check: (v) => /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
  }]);

const ms = (t: string) => Date.parse(t);

export const imputationRunSpecSchema = withRules(z.object({
  participantRef: z.object({
    name: withRules(objectName("participantRef.name"), [immutableRule("participantRef.name")]).describe("Name of the Participant."),
  }).describe("The Participant (same namespace) whose data is imputed."),
  metric: withRules(z.enum(IMPUTE_METRICS), [immutableRule("metric")]).describe("Sample metric to impute. Immutable."),
  method: z.enum(IMPUTE_METHODS).default("auto"),
  maxGap: duration("maxGap", "120m").default("120m").describe("Longer gaps stay empty (treated as non-wear)."),
  from: instant("from").optional().describe("Start of a fixed range (RFC 3339); needs `to`."),
  to: instant("to").optional().describe("End of a fixed range (RFC 3339, exclusive)."),
  lookback: duration("lookback", "7d").optional().describe("Impute the window ending now; the alternative to from/to."),
  schedule: cronSchedule().optional().describe("Run repeatedly on this cron schedule (needs lookback); unset runs once."),
  timeZone: z.string().min(1).max(64).optional().describe("Time zone of the schedule; defaults to the Participant's."),
  suspend: z.boolean().default(false).describe("Pause a scheduled run."),
}), [
  {
    rule: "has(self.from) == has(self.to)",
    message: "from and to go together: set both for a fixed range, or neither and use lookback",
    check: (s) => (s.from !== undefined) === (s.to !== undefined),
  },
  {
    rule: "has(self.lookback) != has(self.from)",
    message: "set either lookback (e.g. 7d) or a from/to range, not both and not neither",
    check: (s) => (s.lookback !== undefined) !== (s.from !== undefined),
  },
  {
    rule: "!has(self.from) || !has(self.to) || timestamp(self.from) < timestamp(self.to)",
    message: "from must be before to",
    fieldPath: ".to",
    check: (s) => s.from === undefined || s.to === undefined || !(ms(s.from) >= ms(s.to)),
  },
  {
    rule: "!has(self.schedule) || has(self.lookback)",
    message: "a scheduled ImputationRun needs lookback, not a fixed from/to range (each run would redo the same window)",
    fieldPath: ".schedule",
    check: (s) => s.schedule === undefined || s.lookback !== undefined,
  },
]);

export const IMPUTATION_PHASES = ["Pending", "Running", "Succeeded", "Failed", "Scheduled", "Suspended"] as const;
export type ImputationPhase = (typeof IMPUTATION_PHASES)[number];

export const imputationRunStatusSchema = z.object({
  observedGeneration: z.number().int().min(0).optional(),
  phase: z.enum(IMPUTATION_PHASES).optional(),
  conditions: conditionsSchema().optional(),
  jobName: z.string().max(63).optional().describe("The Job (or CronJob) running this imputation."),
  startTime: z.string().max(64).optional(),
  completionTime: z.string().max(64).optional(),
  lastScheduleTime: z.string().max(64).optional(),
  gapsFound: z.number().int().min(0).optional(),
  gapsFilled: z.number().int().min(0).optional(),
  gapsSkipped: z.number().int().min(0).optional(),
  pointsImputed: z.number().int().min(0).optional(),
  message: z.string().max(4096).optional(),
});

export const imputationRunSchema = z.object({
  apiVersion: z.string().max(64).optional(),
  kind: z.string().max(64).optional(),
  metadata: objectMetaSchema,
  spec: imputationRunSpecSchema,
  status: imputationRunStatusSchema.optional(),
});

export type ImputationRunSpec = z.output<typeof imputationRunSpecSchema>;
export type ImputationRunStatus = z.output<typeof imputationRunStatusSchema>;
export type ImputationRun = z.output<typeof imputationRunSchema>;
