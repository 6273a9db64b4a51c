// Isolation for arima@0.2.8 fits: one recyclable worker thread.
// - Input longer than MAX_FIT_POINTS is refused before it reaches WASM
//   (longer input overflows the WASM stack).
// - NaN/null never reach the module (it silently forward-fills NaN and turns
//   null into 0); callers get an error instead.
// - Any failure — an exception, a crash, a timeout, non-finite output — kills
//   the worker; the next fit starts a fresh WASM instance, so one bad fit
//   never poisons later ones.
// - The worker swallows everything printed inside it (the native code prints
//   even with verbose: false), so it can never corrupt CSV on our stdout.
import { Worker } from "node:worker_threads";
import type { FitReply, FitRequest } from "./arima-worker.ts";

export const MAX_FIT_POINTS = 7_500;

export interface ArimaFit {
  mean: Float64Array;
  variance: Float64Array;
}

export interface FitOptions {
  order: [number, number, number];
  horizon: number;
  /** Tests only: skip the length guard to provoke the WASM stack overflow. */
  unsafeSkipLengthGuard?: boolean;
}

interface Pending {
  resolve: (r: FitReply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}
interface Live {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class ArimaFitError extends Error {
  override name = "ArimaFitError";
}

export class ArimaPool {
  private current: Live | undefined;
  private nextId = 1;
  /** Workers started so far (tests read it to see recycling happen). */
  started = 0;
  /** Bytes the current worker's native code printed (swallowed), as last reported. */
  suppressedStdoutBytes = 0;
  private readonly timeoutMs: number;

  constructor(opts: { timeoutMs?: number } = {}) {
    this.timeoutMs = opts.timeoutMs ?? 20_000;
  }

  private spawn(): Live {
    // Not `stdout: true`: a captured worker stdout keeps the process alive after
    // unref(); the worker silences its own output instead (arima-worker.ts).
    const w = new Worker(new URL("./arima-worker.ts", import.meta.url));
    // Each worker has its own pending table: a dying worker only fails its own requests.
    const live: Live = { worker: w, pending: new Map() };
    const pending = live.pending;
    this.started++;
    w.on("message", (r: FitReply) => {
      this.suppressedStdoutBytes = Math.max(this.suppressedStdoutBytes, r.printedBytes);
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      clearTimeout(p.timer);
      p.resolve(r);
      if (pending.size === 0) w.unref();
    });
    const fail = (err: Error) => {
      if (this.current === live) this.current = undefined;
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(err);
        pending.delete(id);
      }
    };
    w.on("error", (err) => fail(new ArimaFitError(`arima worker failed: ${err.message}`, { cause: err })));
    w.on("exit", (code) => fail(new ArimaFitError(`arima worker exited with code ${code}`)));
    w.unref();
    return live;
  }

  private recycle(live: Live): void {
    if (this.current === live) this.current = undefined;
    void live.worker.terminate();
  }

  async fit(series: ArrayLike<number>, opts: FitOptions): Promise<ArimaFit> {
    if (series.length > MAX_FIT_POINTS && !opts.unsafeSkipLengthGuard) {
      throw new ArimaFitError(`arima fit refused: ${series.length} points exceed the ${MAX_FIT_POINTS}-point limit`);
    }
    const data = Array.from(series);
    if (!data.every((v) => Number.isFinite(v))) throw new ArimaFitError("arima fit refused: input contains missing or non-finite values");
    if (!(opts.horizon >= 1)) throw new ArimaFitError(`arima fit refused: horizon ${opts.horizon} must be at least 1`);
    this.current ??= this.spawn();
    const live = this.current;
    const w = live.worker;
    const id = this.nextId++;
    const req: FitRequest = { id, series: data, order: opts.order, horizon: opts.horizon };
    const reply = await new Promise<FitReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        live.pending.delete(id);
        this.recycle(live);
        reject(new ArimaFitError(`arima fit timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      live.pending.set(id, { resolve, reject, timer });
      w.ref();
      w.postMessage(req);
    });
    if (reply.error !== undefined) {
      // The WASM instance may be corrupted now (stack overflow): never reuse it.
      this.recycle(live);
      throw new ArimaFitError(`arima fit failed: ${reply.error}`);
    }
    const mean = Float64Array.from(reply.mean ?? []);
    const variance = Float64Array.from(reply.variance ?? []);
    const ok = mean.length === opts.horizon && variance.length === opts.horizon && mean.every(Number.isFinite) && variance.every((v) => Number.isFinite(v) && v >= 0);
    if (!ok) {
      this.recycle(live);
      throw new ArimaFitError("arima fit returned non-finite or negative-variance output");
    }
    return { mean, variance };
  }

  async close(): Promise<void> {
    const live = this.current;
    this.current = undefined;
    if (live) await live.worker.terminate();
  }
}

let shared: ArimaPool | undefined;
/** One pool per process: fits are CPU-bound and the jobs run on one core. */
export function sharedArimaPool(): ArimaPool {
  shared ??= new ArimaPool();
  return shared;
}
