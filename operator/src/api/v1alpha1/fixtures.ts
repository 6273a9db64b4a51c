// Objects that both the zod schemas (unit test) and the API server with the
// generated CRDs (integration test) must judge the same way. `expect` is a
// fragment of the message the user sees: each must say what to fix.
import { API_VERSION } from "./group.ts";

export interface Fixture {
  name: string;
  kind: "Participant" | "ImputationRun";
  spec: Record<string, unknown>;
  /** undefined: valid. Otherwise a fragment of the rejection message (or the field path, for enums and bounds). */
  expect?: string;
  /** What the API server adds for built-in checks (zod words those differently). */
  serverExpect?: string;
}

const synthetic = { synthetic: { seed: 7, profile: "compliant" } };
const pt = (name: string, spec: Record<string, unknown>, expect?: string, serverExpect?: string): Fixture =>
  ({ name, kind: "Participant", spec: { participantId: "P001", source: synthetic, ...spec }, expect, serverExpect });
const ir = (name: string, spec: Record<string, unknown>, expect?: string, serverExpect?: string): Fixture =>
  ({ name, kind: "ImputationRun", spec: { participantRef: { name: "p001" }, metric: "heart_rate", lookback: "7d", ...spec }, expect, serverExpect });

export const GOOD_FIXTURES: Fixture[] = [
  pt("minimal-synthetic", {}),
  pt("google-full", {
    source: { googleHealth: { secretRef: { name: "p001-google" } } },
    metrics: ["heart_rate", "steps", "sleep", "spo2", "hrv"],
    schedule: "15 */4 * * *", timeZone: "America/Argentina/Buenos_Aires", backfillDays: 90, suspend: true,
    imputation: { schedule: "@daily", metrics: [{ metric: "heart_rate", method: "seasonal" }, { metric: "steps" }] },
    dataPolicy: "Delete", contactSecretRef: { name: "p001-contact" },
  }),
  ir("range", { lookback: undefined, from: "2025-11-01T00:00:00Z", to: "2025-11-08T00:00:00+01:00", method: "arima", maxGap: "90m" }),
  ir("scheduled", { schedule: "0 5 * * *", metric: "steps" }),
];

export const BAD_FIXTURES: Fixture[] = [
  pt("no-source", { source: {} }, "set exactly one of source.googleHealth or source.synthetic"),
  pt("two-sources", { source: { ...synthetic, googleHealth: { secretRef: { name: "s" } } } }, "set exactly one of source.googleHealth or source.synthetic"),
  pt("bad-participant-id", { participantId: "P 001; drop table" }, "participantId must be 1-63 letters"),
  pt("bad-schedule", { schedule: "every day" }, "schedule must be a 5-field cron expression"),
  pt("tz-in-schedule", { schedule: "TZ=UTC 0 3 * * *" }, "set the time zone in timeZone"),
  pt("bad-metric", { metrics: ["heart_rate", "calories"] }, "metrics", 'Unsupported value: "calories"'),
  pt("empty-metrics", { metrics: [] }, "metrics", "should have at least 1 items"),
  pt("backfill-too-long", { backfillDays: 1000 }, "backfillDays", "should be less than or equal to 365"),
  pt("bad-time-zone", { timeZone: "Mars Base/Olympus" }, "timeZone must be an IANA time zone name"),
  pt("bad-data-policy", { dataPolicy: "Forget" }, "dataPolicy", 'supported values: "Retain", "Delete"'),
  pt("bad-secret-name", { source: { googleHealth: { secretRef: { name: "Not_A_Name" } } } }, "source.googleHealth.secretRef.name must be a Kubernetes object name"),
  pt("bad-impute-duration", { imputation: { lookback: "1 week", metrics: [{ metric: "heart_rate" }] } }, "imputation.lookback must be a whole number with a unit"),
  pt("bad-profile", { source: { synthetic: { profile: "lazy" } } }, "source.synthetic.profile", 'Unsupported value: "lazy"'),
  pt("impute-sleep", { imputation: { metrics: [{ metric: "sleep" }] } }, "imputation.metrics", 'Unsupported value: "sleep"'),
  ir("range-and-lookback", { from: "2025-11-01T00:00:00Z", to: "2025-11-02T00:00:00Z" }, "set either lookback"),
  ir("neither", { lookback: undefined }, "set either lookback"),
  ir("from-without-to", { lookback: undefined, from: "2025-11-01T00:00:00Z" }, "from and to go together"),
  ir("reversed-range", { lookback: undefined, from: "2025-11-08T00:00:00Z", to: "2025-11-01T00:00:00Z" }, "from must be before to"),
  ir("bad-instant", { lookback: undefined, from: "yesterday", to: "2025-11-01T00:00:00Z" }, "from must be an RFC 3339 time"),
  ir("scheduled-range", { lookback: undefined, from: "2025-11-01T00:00:00Z", to: "2025-11-02T00:00:00Z", schedule: "@daily" }, "a scheduled ImputationRun needs lookback"),
  ir("impute-spo2", { metric: "spo2" }, "metric", 'supported values: "heart_rate", "steps"'),
  ir("bad-method", { method: "magic" }, "method", 'Unsupported value: "magic"'),
  ir("bad-max-gap", { maxGap: "2 hours" }, "maxGap must be a whole number with a unit"),
];

/** A fixture as a full object ready to create. Undefined fields are dropped, as JSON would. */
export function fixtureObject(f: Fixture, namespace: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ apiVersion: API_VERSION, kind: f.kind, metadata: { name: f.name, namespace }, spec: f.spec })) as Record<string, unknown>;
}
