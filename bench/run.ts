// `make bench`: runs every bench/<name>/index.ts (or the names given) one after
// another, each in its own process so one benchmark's servers and memory never
// colour the next. Each module exports run(); its result goes to
// bench/results/<name>.json, with machine facts and the Node version added
// when the benchmark did not record them itself.
//   node bench/run.ts [name ...]
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const BENCH_DIR = import.meta.dirname;
const RESULTS = join(BENCH_DIR, "results");

export function benchmarkNames(dir = BENCH_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "index.ts")))
    .map((d) => d.name)
    .sort();
}

export function machineFacts() {
  return {
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** Child mode: run one benchmark in this process and write its JSON. */
async function runOne(name: string): Promise<void> {
  const mod = (await import(pathToFileURL(join(BENCH_DIR, name, "index.ts")).href)) as { run?: () => Promise<Record<string, unknown>> };
  if (typeof mod.run !== "function") throw new Error(`bench/${name}/index.ts exports no run(); export async function run() returning the result`);
  const started = Date.now();
  const result = await mod.run();
  const versions = { ...(result.versions as Record<string, unknown> | undefined), node: process.version };
  const out = { ...result, machine: result.machine ?? machineFacts(), versions, runner: { durationSeconds: Math.round((Date.now() - started) / 1000) } };
  await mkdir(RESULTS, { recursive: true });
  await writeFile(join(RESULTS, `${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
}

function child(name: string): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [import.meta.filename, "--one", name], { stdio: "inherit" });
    p.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--one" && argv[1]) {
    await runOne(argv[1]);
    // Some client libraries keep sockets open; the result is written, so leave.
    process.exit(0);
  }
  const all = benchmarkNames();
  const unknown = argv.filter((n) => !all.includes(n));
  if (unknown.length) {
    console.error(`bench/run.ts: no benchmark named ${unknown.join(", ")}; have ${all.join(", ")}`);
    return 2;
  }
  const names = argv.length ? argv : all;
  const failed: string[] = [];
  for (const name of names) {
    const t = Date.now();
    console.error(`==> bench/${name}`);
    const code = await child(name);
    console.error(`<== bench/${name}: ${code === 0 ? "ok" : `failed (exit ${code})`} in ${Math.round((Date.now() - t) / 1000)} s -> bench/results/${name}.json`);
    if (code !== 0) failed.push(name);
  }
  if (failed.length) console.error(`Failed: ${failed.join(", ")}`);
  return failed.length ? 1 : 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code), (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
