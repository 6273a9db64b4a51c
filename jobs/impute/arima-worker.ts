// Worker thread that owns one instance of the `arima` WASM module. Fits run
// here, never in the main thread, because arima@0.2.8 (a) overflows its WASM
// stack on long input and is broken for every later fit in that instance, and
// (b) prints from native code to stdout. Emscripten binds its print functions
// to console.log/console.error when the module loads, so this worker swaps
// every console and stdout/stderr writer for a byte counter BEFORE loading
// arima: nothing the native code prints can reach the process's stdout (a
// worker's stdout is otherwise piped straight into the parent's). The pool
// (arima-pool.ts) replaces this worker after any failure.
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

interface ArimaInstance {
  train(ts: number[]): ArimaInstance;
  predict(n: number): [number[], number[]];
  destroy?(): void;
}
type ArimaCtor = new (opts: Record<string, number | boolean>) => ArimaInstance;

export interface FitRequest {
  id: number;
  series: number[];
  order: [number, number, number];
  horizon: number;
}
export interface FitReply {
  id: number;
  mean?: number[];
  variance?: number[];
  error?: string;
  /** Bytes the native code (or anything else) printed and this worker swallowed. */
  printedBytes: number;
}

let printedBytes = 0;
const swallow = (...args: unknown[]) => {
  printedBytes += args.map(String).join(" ").length + 1;
};
for (const k of ["log", "info", "debug", "warn", "error", "trace"] as const) console[k] = swallow;
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((chunk: string | Uint8Array) => {
    printedBytes += chunk.length;
    return true;
  }) as typeof stream.write;
}

const require = createRequire(import.meta.url);
const ARIMA = require("arima") as ArimaCtor;

function fit(req: FitRequest): FitReply {
  if (process.env.WEARABLE_ARIMA_TEST_PRINT === "1") console.log("arima native chatter that must not reach the CLI's stdout");
  const [p, d, q] = req.order;
  // method 1 as the issue requires (the default diverged on ordinary series).
  const model = new ARIMA({ p, d, q, method: 1, verbose: false }).train(req.series);
  try {
    const [mean, variance] = model.predict(req.horizon);
    return { id: req.id, mean: Array.from(mean), variance: Array.from(variance), printedBytes };
  } finally {
    model.destroy?.();
  }
}

parentPort?.on("message", (req: FitRequest) => {
  let reply: FitReply;
  try {
    reply = fit(req);
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), printedBytes };
  }
  parentPort?.postMessage(reply);
});
