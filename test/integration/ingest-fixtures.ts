// Shared by the ingest integration tests: expected row counts computed
// straight from a source (independently of the ingest code), a wrapper that
// injects bad or late data into a real source, and small DB readers.
import type { Db } from "../../jobs/db/pool.ts";
import { queryRows } from "../../jobs/db/query.ts";
import type { DataSource, RawSample, RawSleepSession, SampleMetric, TimeWindow } from "../../jobs/sources/types.ts";

/** Distinct (instant, device) keys a source serves for a window: what `samples` must hold afterwards. */
export async function expectedKeys(source: DataSource, metric: SampleMetric, window: TimeWindow): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const page of source.samples(metric, window)) {
    for (const p of page) {
      let ms = Date.parse(p.time);
      if (metric === "steps") ms -= ms % 60_000;
      keys.add(`${ms}|${p.source}`);
    }
  }
  return keys;
}

export async function sampleCounts(db: Db, participantId: string): Promise<Record<string, number>> {
  const rows = await queryRows<{ metric: string; n: number }>(db.pool,
    "SELECT metric, count(*)::int AS n FROM samples WHERE participant_id = $1 GROUP BY metric ORDER BY metric", [participantId]);
  return Object.fromEntries(rows.map((r) => [r.metric, r.n]));
}

export async function watermarks(db: Db, participantId: string): Promise<Record<string, string>> {
  const rows = await queryRows<{ metric: string; watermark: Date }>(db.pool,
    "SELECT metric, watermark FROM ingest_watermarks WHERE participant_id = $1 ORDER BY metric", [participantId]);
  return Object.fromEntries(rows.map((r) => [r.metric, r.watermark.toISOString()]));
}

export interface Tampering {
  /** Extra raw points put at the top of the first page of a metric. */
  extra?: Partial<Record<SampleMetric, RawSample[]>>;
  /** Points in [from, to) of a metric are withheld (not synced yet). */
  hide?: { metric: SampleMetric; from: number; to: number };
  /** Throw this when the metric is requested (after `afterPages` pages). */
  fail?: { metric: SampleMetric | "sleep"; error: Error; afterPages?: number };
}

/** A real source with bad data, withheld data or a failure mixed in. */
export function tamperedSource(inner: DataSource, t: Tampering): DataSource {
  return {
    name: `${inner.name}+tampered`,
    async *samples(metric: SampleMetric, window: TimeWindow): AsyncGenerator<RawSample[]> {
      let first = true;
      let pages = 0;
      for await (const page of inner.samples(metric, window)) {
        if (t.fail?.metric === metric && pages >= (t.fail.afterPages ?? 0)) throw t.fail.error;
        let out = page;
        if (t.hide?.metric === metric) {
          const { from, to } = t.hide;
          out = out.filter((p) => { const ms = Date.parse(p.time); return ms < from || ms >= to; });
        }
        if (first && t.extra?.[metric]) out = [...t.extra[metric]!, ...out];
        first = false;
        pages++;
        yield out;
      }
      if (t.fail?.metric === metric) throw t.fail.error;
    },
    async *sleep(window: TimeWindow): AsyncGenerator<RawSleepSession[]> {
      if (t.fail?.metric === "sleep") throw t.fail.error;
      yield* inner.sleep(window);
    },
  };
}
