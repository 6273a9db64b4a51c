// Synthetic records in the Google Health API v4 JSON shapes, as the double
// serves them: int64 values as strings, sampleTime with physical time, UTC
// offset and civil time, steps as 1-minute intervals, sleep with name,
// stages, metadata and summary.
import { offsetMs } from "../../synthetic/civil-time.ts";
import type { RawSample, RawSleepSession, SampleMetric } from "../../types.ts";
import { rfc3339, type WireCivilDateTime, type WireDataPoint, type WireDataSource, type WireSampleTime } from "../wire.ts";

export const DOUBLE_DATA_SOURCE: WireDataSource = {
  recordingMethod: "PASSIVELY_MEASURED",
  platform: "FITBIT",
  device: { displayName: "Pixel Watch 3", formFactor: "WATCH", manufacturer: "Google" },
};

/** Offsets memoised per hour: Intl is slow and zones never change offset more often. */
export function offsetLookup(timeZone: string): (ms: number) => number {
  const memo = new Map<number, number>();
  return (ms) => {
    // Transitions fall on whole hours (UTC) in practice; half-hour zones keep a constant offset.
    const hour = Math.floor(ms / 3_600_000);
    let off = memo.get(hour);
    if (off === undefined) {
      off = offsetMs(timeZone, hour * 3_600_000);
      memo.set(hour, off);
    }
    return off;
  };
}

export function civilDateTime(ms: number, offset: number): WireCivilDateTime {
  const d = new Date(ms + offset);
  return {
    date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    time: { hours: d.getUTCHours(), minutes: d.getUTCMinutes(), seconds: d.getUTCSeconds() },
  };
}

function sampleTime(ms: number, offset: number): WireSampleTime {
  return { physicalTime: rfc3339(new Date(ms)), utcOffset: `${offset / 1000}s`, civilTime: civilDateTime(ms, offset) };
}

export function encodeSample(metric: SampleMetric, s: RawSample, offsetAt: (ms: number) => number): WireDataPoint {
  const ms = Date.parse(s.time);
  const off = offsetAt(ms);
  const dataSource = DOUBLE_DATA_SOURCE;
  switch (metric) {
    case "heart_rate":
      return { dataSource, heartRate: { beatsPerMinute: String(s.value), sampleTime: sampleTime(ms, off) } };
    case "steps":
      return {
        dataSource,
        steps: {
          count: String(s.value),
          interval: {
            startTime: rfc3339(new Date(ms)),
            endTime: rfc3339(new Date(ms + 60_000)),
            startUtcOffset: `${off / 1000}s`,
            endUtcOffset: `${offsetAt(ms + 60_000) / 1000}s`,
            civilStartTime: civilDateTime(ms, off),
            civilEndTime: civilDateTime(ms + 60_000, offsetAt(ms + 60_000)),
          },
        },
      };
    case "spo2":
      return { dataSource, oxygenSaturation: { percentage: Number(s.value), sampleTime: sampleTime(ms, off) } };
    case "hrv":
      return {
        dataSource,
        heartRateVariability: {
          rootMeanSquareOfSuccessiveDifferencesMilliseconds: Number(s.value),
          standardDeviationMilliseconds: Math.round(Number(s.value) * 1.3 * 10) / 10,
          sampleTime: sampleTime(ms, off),
        },
      };
    case "resting_heart_rate": {
      const d = new Date(ms);
      return {
        dataSource,
        dailyRestingHeartRate: {
          beatsPerMinute: String(s.value),
          date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
        },
      };
    }
  }
}

export function encodeSleep(s: RawSleepSession, healthUserId: string, offsetAt: (ms: number) => number): WireDataPoint {
  const start = Date.parse(s.startTime);
  const end = Date.parse(s.endTime);
  const minutes = (st: { startTime: string; endTime: string }) => (Date.parse(st.endTime) - Date.parse(st.startTime)) / 60_000;
  const byType = new Map<string, { minutes: number; count: number }>();
  for (const st of s.stages) {
    const agg = byType.get(st.type) ?? { minutes: 0, count: 0 };
    agg.minutes += minutes(st);
    agg.count += 1;
    byType.set(st.type, agg);
  }
  const awake = byType.get("AWAKE")?.minutes ?? 0;
  const first = s.stages[0];
  const last = s.stages[s.stages.length - 1];
  return {
    name: `users/${healthUserId}/dataTypes/sleep/dataPoints/${encodeURIComponent(s.sessionId)}`,
    dataSource: DOUBLE_DATA_SOURCE,
    sleep: {
      interval: {
        startTime: rfc3339(new Date(start)),
        endTime: rfc3339(new Date(end)),
        startUtcOffset: `${offsetAt(start) / 1000}s`,
        endUtcOffset: `${offsetAt(end) / 1000}s`,
        civilStartTime: civilDateTime(start, offsetAt(start)),
        civilEndTime: civilDateTime(end, offsetAt(end)),
      },
      type: s.type,
      stages: s.stages.map((st) => ({ startTime: rfc3339(new Date(st.startTime)), endTime: rfc3339(new Date(st.endTime)), type: st.type })),
      metadata: { nap: !s.isMain, processed: true, manuallyEdited: s.manuallyEdited ?? false },
      summary: {
        minutesAsleep: String(s.minutesAsleep),
        minutesAwake: String(awake),
        minutesInSleepPeriod: String((end - start) / 60_000),
        minutesToFallAsleep: String(first?.type === "AWAKE" ? minutes(first) : 0),
        minutesAfterWakeUp: String(last?.type === "AWAKE" && s.stages.length > 1 ? minutes(last) : 0),
        stagesSummary: [...byType].map(([type, agg]) => ({ type, minutes: String(agg.minutes), count: String(agg.count) })),
      },
      createTime: rfc3339(new Date(end)),
      updateTime: rfc3339(new Date(end)),
    },
  };
}
