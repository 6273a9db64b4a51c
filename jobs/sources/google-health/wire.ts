// The Google Health API v4 wire format (as published in the v4 discovery
// document and protos) and its translation into our raw records. Every field
// is optional here because it comes from the network; missing or malformed
// values are passed through as they are (empty string, NaN) so the ingest job
// counts and logs them as rejected instead of this parser hiding them.
import type { Metric, RawSample, RawSleepSession, SampleMetric } from "../types.ts";

export interface DataTypeInfo {
  /** kebab-case name in the URL. */
  url: string;
  /** camelCase JSON key of the point's payload. */
  key: "heartRate" | "steps" | "oxygenSaturation" | "heartRateVariability" | "dailyRestingHeartRate" | "sleep";
  /** AIP-160 field we filter on (physical time; a civil date for daily types). */
  filterField: string;
  /** Civil-time variant of the filter field, when the API has one. */
  civilFilterField?: string;
  kind: "sample" | "interval" | "daily" | "session";
  /** Largest page the API serves. */
  maxPageSize: number;
  defaultPageSize: number;
}

export const DATA_TYPES: Record<Metric, DataTypeInfo> = {
  heart_rate: {
    url: "heart-rate",
    key: "heartRate",
    filterField: "heart_rate.sample_time.physical_time",
    civilFilterField: "heart_rate.sample_time.civil_time",
    kind: "sample",
    maxPageSize: 10_000,
    defaultPageSize: 1440,
  },
  steps: {
    url: "steps",
    key: "steps",
    filterField: "steps.interval.start_time",
    civilFilterField: "steps.interval.civil_start_time",
    kind: "interval",
    maxPageSize: 10_000,
    defaultPageSize: 1440,
  },
  spo2: {
    url: "oxygen-saturation",
    key: "oxygenSaturation",
    filterField: "oxygen_saturation.sample_time.physical_time",
    civilFilterField: "oxygen_saturation.sample_time.civil_time",
    kind: "sample",
    maxPageSize: 10_000,
    defaultPageSize: 1440,
  },
  hrv: {
    url: "heart-rate-variability",
    key: "heartRateVariability",
    filterField: "heart_rate_variability.sample_time.physical_time",
    civilFilterField: "heart_rate_variability.sample_time.civil_time",
    kind: "sample",
    maxPageSize: 10_000,
    defaultPageSize: 1440,
  },
  resting_heart_rate: {
    url: "daily-resting-heart-rate",
    key: "dailyRestingHeartRate",
    filterField: "daily_resting_heart_rate.date",
    kind: "daily",
    maxPageSize: 10_000,
    defaultPageSize: 1440,
  },
  sleep: {
    url: "sleep",
    key: "sleep",
    filterField: "sleep.interval.end_time",
    civilFilterField: "sleep.interval.civil_end_time",
    kind: "session",
    maxPageSize: 25,
    defaultPageSize: 25,
  },
};

export function dataTypeByUrl(url: string): [Metric, DataTypeInfo] | undefined {
  return (Object.entries(DATA_TYPES) as [Metric, DataTypeInfo][]).find(([, info]) => info.url === url);
}

export interface WireCivilDate {
  year?: number;
  month?: number;
  day?: number;
}
export interface WireCivilDateTime {
  date?: WireCivilDate;
  time?: { hours?: number; minutes?: number; seconds?: number; nanos?: number };
}
export interface WireSampleTime {
  physicalTime?: string;
  /** Duration string, e.g. "19800s". */
  utcOffset?: string;
  civilTime?: WireCivilDateTime;
}
export interface WireInterval {
  startTime?: string;
  endTime?: string;
  startUtcOffset?: string;
  endUtcOffset?: string;
  civilStartTime?: WireCivilDateTime;
  civilEndTime?: WireCivilDateTime;
}
export interface WireDataSource {
  recordingMethod?: string;
  platform?: string;
  device?: { displayName?: string; formFactor?: string; manufacturer?: string };
  application?: Record<string, unknown>;
}
export interface WireSleepStage {
  startTime?: string;
  endTime?: string;
  type?: string;
}
export interface WireSleep {
  interval?: WireInterval;
  type?: string;
  stages?: WireSleepStage[];
  metadata?: { nap?: boolean; processed?: boolean; manuallyEdited?: boolean; stagesStatus?: string };
  summary?: {
    minutesAsleep?: string | number;
    minutesAwake?: string | number;
    minutesInSleepPeriod?: string | number;
    minutesToFallAsleep?: string | number;
    minutesAfterWakeUp?: string | number;
    stagesSummary?: { type?: string; minutes?: string | number; count?: string | number }[];
  };
  createTime?: string;
  updateTime?: string;
}

export interface WireDataPoint {
  name?: string;
  dataSource?: WireDataSource;
  heartRate?: { beatsPerMinute?: string | number; sampleTime?: WireSampleTime; metadata?: Record<string, unknown> };
  steps?: { count?: string | number; interval?: WireInterval };
  oxygenSaturation?: { percentage?: string | number; sampleTime?: WireSampleTime };
  heartRateVariability?: {
    rootMeanSquareOfSuccessiveDifferencesMilliseconds?: string | number;
    standardDeviationMilliseconds?: string | number;
    sampleTime?: WireSampleTime;
  };
  dailyRestingHeartRate?: {
    beatsPerMinute?: string | number;
    date?: WireCivilDate;
    dailyRestingHeartRateMetadata?: { calculationMethod?: string };
  };
  sleep?: WireSleep;
}

export interface WireListResponse {
  dataPoints?: WireDataPoint[];
  nextPageToken?: string;
}

/** "FITBIT:Pixel Watch 3": platform and device, the row's `source`. */
export function sourceLabel(ds: WireDataSource | undefined): string {
  const platform = ds?.platform ?? "UNKNOWN";
  const device = ds?.device?.displayName;
  return device ? `${platform}:${device}` : platform;
}

const text = (v: unknown): string => (v === undefined || v === null ? "" : String(v));
const value = (v: string | number | undefined): string | number => (v === undefined ? "" : v);

/**
 * A civil date as our timestamp convention for daily values: the date at
 * 00:00Z. Incomplete dates become "" (the ingest job rejects them).
 */
export function civilDateToTime(d: WireCivilDate | undefined): string {
  if (d?.year === undefined || d.month === undefined || d.day === undefined) return "";
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}T00:00:00Z`;
}

type Extract = (p: WireDataPoint) => { time: string; value: string | number };
const EXTRACT: Record<SampleMetric, Extract> = {
  heart_rate: (p) => ({ time: text(p.heartRate?.sampleTime?.physicalTime), value: value(p.heartRate?.beatsPerMinute) }),
  steps: (p) => ({ time: text(p.steps?.interval?.startTime), value: value(p.steps?.count) }),
  spo2: (p) => ({ time: text(p.oxygenSaturation?.sampleTime?.physicalTime), value: value(p.oxygenSaturation?.percentage) }),
  // HRV is stored as RMSSD, the value Fitbit reports nightly.
  hrv: (p) => ({
    time: text(p.heartRateVariability?.sampleTime?.physicalTime),
    value: value(p.heartRateVariability?.rootMeanSquareOfSuccessiveDifferencesMilliseconds),
  }),
  resting_heart_rate: (p) => ({ time: civilDateToTime(p.dailyRestingHeartRate?.date), value: value(p.dailyRestingHeartRate?.beatsPerMinute) }),
};

/** One wire point as a RawSample of `metric`, values unjudged. */
export function toRawSample(metric: SampleMetric, p: WireDataPoint): RawSample {
  return { ...EXTRACT[metric](p), source: sourceLabel(p.dataSource) };
}

export function toRawSleepSession(p: WireDataPoint): RawSleepSession {
  const s = p.sleep ?? {};
  const start = text(s.interval?.startTime);
  const end = text(s.interval?.endTime);
  const session: RawSleepSession = {
    // Sleep points carry a stable resource name; fall back to the interval so the id stays deterministic.
    sessionId: p.name ?? `sleep:${start}/${end}`,
    startTime: start,
    endTime: end,
    type: text(s.type),
    isMain: s.metadata?.nap !== true,
    minutesAsleep: s.summary?.minutesAsleep === undefined ? Number.NaN : Number(s.summary.minutesAsleep),
    stages: (s.stages ?? []).map((st) => ({ startTime: text(st.startTime), endTime: text(st.endTime), type: text(st.type) })),
    source: sourceLabel(p.dataSource),
  };
  if (s.metadata?.manuallyEdited !== undefined) session.manuallyEdited = s.metadata.manuallyEdited;
  return session;
}

/** RFC 3339 without a zero millisecond part: "2026-11-01T00:00:00Z". */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(".000Z", "Z");
}

/** The AIP-160 filter for a half-open window [from, to) of `metric`. */
export function windowFilter(metric: Metric, from: Date, to: Date): string {
  const info = DATA_TYPES[metric];
  if (info.kind === "daily") {
    // Daily values carry a civil date; [from, to) covers the dates whose 00:00Z lies in it.
    const day = (d: Date) => new Date(Math.ceil(d.getTime() / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
    return `${info.filterField} >= "${day(from)}" AND ${info.filterField} < "${day(to)}"`;
  }
  return `${info.filterField} >= "${rfc3339(from)}" AND ${info.filterField} < "${rfc3339(to)}"`;
}
