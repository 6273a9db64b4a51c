// The contract between data sources (synthetic, Google Health API) and the
// ingest job. Sources translate their wire format into these raw records but
// do NOT judge them: values and timestamps stay as the source gave them, so
// the ingest job can count and log bad data ("rejected") instead of a source
// silently dropping it.

/** Metrics stored as numeric samples in the `samples` table. */
export type SampleMetric = "heart_rate" | "steps" | "spo2" | "hrv" | "resting_heart_rate";
/** Everything a Participant can ask to ingest. */
export type Metric = SampleMetric | "sleep";

export const SAMPLE_METRICS: readonly SampleMetric[] = ["heart_rate", "steps", "spo2", "hrv", "resting_heart_rate"];
export const METRICS: readonly Metric[] = [...SAMPLE_METRICS, "sleep"];

/** One point as the source delivered it. */
export interface RawSample {
  /** RFC 3339 timestamp text (sample time, or interval start for steps). Unparsed on purpose. */
  time: string;
  /** Value as delivered: Google sends int64 as strings ("61"). */
  value: string | number;
  /** Device / data-source label, e.g. "FITBIT:Pixel Watch 3". */
  source: string;
}

export interface RawSleepStage {
  startTime: string;
  endTime: string;
  /** AWAKE | LIGHT | DEEP | REM | ASLEEP | RESTLESS */
  type: string;
}

export interface RawSleepSession {
  /** Stable id (Google: the point's `name`). */
  sessionId: string;
  startTime: string;
  endTime: string;
  /** STAGES | CLASSIC */
  type: string;
  /** false for naps. */
  isMain: boolean;
  minutesAsleep: number;
  stages: RawSleepStage[];
  source: string;
  manuallyEdited?: boolean;
}

/** Half-open time range [from, to). */
export interface TimeWindow {
  from: Date;
  to: Date;
}

/**
 * A source yields pages so the ingest job can write batch by batch (bounded
 * memory, and each page's rows committed before the next request).
 * Order inside and across pages is unspecified (Google returns newest first).
 */
export interface DataSource {
  readonly name: string;
  samples(metric: SampleMetric, window: TimeWindow): AsyncIterable<RawSample[]>;
  sleep(window: TimeWindow): AsyncIterable<RawSleepSession[]>;
}

/**
 * Thrown for failures a retry will not fix (revoked/expired refresh token,
 * permission denied, legacy API gone). The ingest job ends with this message
 * and leaves the watermark untouched.
 */
export class PermanentSourceError extends Error {
  override name = "PermanentSourceError";
}
