// Child processes for the test harness (etcd, kube-apiserver, postgres,
// prometheus, ...). Every process started here is killed when its owner stops
// it, and — as a safety net — when the test process exits, so no test leaves a
// stray server behind.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  opts: { logDir: string; env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number },
): ManagedProcess {
  const logFile = join(opts.logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(cmd, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => live.delete(child));
  return {
    name,
    child,
    logFile,
    async stop(signal = "SIGTERM", graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `check` until it resolves true; fails with the process log's tail on timeout. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs?: number; intervalMs?: number; proc?: ManagedProcess } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (opts.proc && opts.proc.child.exitCode !== null) break;
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err;
    }
    await sleep(opts.intervalMs ?? 200);
  }
  const tail = opts.proc ? await logTail(opts.proc.logFile) : "";
  throw new Error(`Timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ""}${tail ? `\n--- log tail ---\n${tail}` : ""}`);
}

export async function logTail(file: string, lines = 30): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    return (await readFile(file, "utf8")).split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `wearable-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
