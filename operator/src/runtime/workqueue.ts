// A work queue with client-go's semantics, which informers alone do not give:
// - a key is queued at most once however many events arrive (dedup);
// - a key is never processed by two workers at once; events during
//   processing mark it dirty and it runs once more afterwards;
// - failures requeue with per-key exponential backoff, and all retries share
//   a global token bucket so a broken dependency cannot cause a hot loop;
// - `concurrency` workers.
import type { Metrics } from "./metrics.ts";
import { ExponentialBackoff, TokenBucket } from "../../../lib/rate-limiter.ts";

export interface QueueOptions {
  name: string;
  concurrency: number;
  metrics?: Metrics;
  baseDelayMs?: number;
  maxDelayMs?: number;
  retryQps?: number;
  retryBurst?: number;
}

export type Processor = (key: string) => Promise<void>;

export class WorkQueue {
  readonly name: string;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly backoff: ExponentialBackoff;
  private readonly bucket: TokenBucket;
  private readonly opts: QueueOptions;
  private waiters: (() => void)[] = [];
  private shuttingDown = false;
  private workers: Promise<void>[] = [];

  constructor(opts: QueueOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.backoff = new ExponentialBackoff(opts.baseDelayMs ?? 5, opts.maxDelayMs ?? 300_000);
    this.bucket = new TokenBucket(opts.retryQps ?? 10, opts.retryBurst ?? 100);
    for (const c of [opts.metrics?.queueAdds, opts.metrics?.queueRetries]) c?.inc({ name: opts.name }, 0);
    opts.metrics?.queueDepth.set({ name: opts.name }, 0);
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.opts.metrics?.queueAdds.inc({ name: this.name });
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued when the worker finishes
    this.push(key);
  }

  private push(key: string) {
    this.queue.push(key);
    this.addedAt.set(key, performance.now());
    this.opts.metrics?.queueDepth.set({ name: this.name }, this.queue.length);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  /** Requeue after a failure: the longer of the key's backoff and the global retry budget. */
  addRateLimited(key: string): void {
    this.opts.metrics?.queueRetries.inc({ name: this.name });
    this.addAfter(key, Math.max(this.backoff.next(key), this.bucket.reserve()));
  }

  /** Success: reset the key's backoff. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  retries(key: string): number {
    return this.backoff.retries(key);
  }

  private async get(): Promise<string | undefined> {
    while (this.queue.length === 0) {
      if (this.shuttingDown) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const key = this.queue.shift()!;
    this.opts.metrics?.queueDepth.set({ name: this.name }, this.queue.length);
    const added = this.addedAt.get(key);
    if (added !== undefined) this.opts.metrics?.queueDuration.observe({ name: this.name }, (performance.now() - added) / 1000);
    this.addedAt.delete(key);
    this.dirty.delete(key);
    this.processing.set(key, performance.now());
    return key;
  }

  private done(key: string) {
    const started = this.processing.get(key);
    this.processing.delete(key);
    if (started !== undefined) this.opts.metrics?.workDuration.observe({ name: this.name }, (performance.now() - started) / 1000);
    if (this.dirty.has(key)) this.push(key);
  }

  /** Seconds of in-flight work, and the longest single item (for the workqueue_* gauges). */
  inFlight(): { unfinished: number; longest: number } {
    const now = performance.now();
    let unfinished = 0;
    let longest = 0;
    for (const t of this.processing.values()) {
      const s = (now - t) / 1000;
      unfinished += s;
      longest = Math.max(longest, s);
    }
    return { unfinished, longest };
  }

  start(process: Processor): void {
    for (let i = 0; i < this.opts.concurrency; i++) {
      this.workers.push((async () => {
        for (;;) {
          const key = await this.get();
          if (key === undefined) return;
          try {
            await process(key);
          } finally {
            this.done(key);
          }
        }
      })());
    }
  }

  /** Stops taking new items and waits for in-flight ones (graceful shutdown). */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(this.workers);
  }
}
