// Native PostgreSQL from Debian on a free loopback port in a throwaway data
// directory: for tests that need several connections or real performance
// (the embedded PGlite server takes one connection at a time).
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../jobs/db/embedded.ts";
import { startProcess, tempDir, waitFor } from "./processes.ts";

const run = promisify(execFile);

export interface NativePostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "postgres")));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], "bin");
  }
  throw new Error("PostgreSQL server not found under /usr/lib/postgresql; run `make system-deps`");
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run("id", ["-u", name])).stdout.trim());
  const gid = Number((await run("id", ["-g", name])).stdout.trim());
  return { uid, gid };
}

export async function startNativePostgres(): Promise<NativePostgres> {
  const bin = postgresBinDir();
  const dir = await tempDir("pg");
  const data = join(dir.path, "data");
  // initdb and postgres refuse to run as root: then they run as the `postgres`
  // OS user, spawned with its uid directly (not via runuser, whose child would
  // outlive a signal sent to the wrapper).
  const user = process.getuid?.() === 0 ? await osUser("postgres") : undefined;
  if (user) await run("chown", ["postgres", dir.path]);
  const pwFile = join(dir.path, "pw");
  await writeFile(pwFile, "postgres\n");
  if (user) await run("chown", ["postgres", pwFile]);
  await run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--pwfile", pwFile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"], { ...user });
  const port = await freePort();
  const [cmd, args] = [join(bin, "postgres"), [
    "-D", data, "-p", String(port), "-h", "127.0.0.1", "-k", dir.path,
    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
    "-c", "max_connections=200", "-c", "shared_buffers=256MB",
  ]] as const;
  const proc = startProcess("postgres", cmd, [...args], { logDir: dir.path, ...user });
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  await waitFor("postgres to accept connections", async () => {
    const c = new pg.Client(url);
    // A probe that raced startup may be told to go away later; that is not a test failure.
    c.on("error", () => {});
    try {
      await c.connect();
      return true;
    } finally {
      await c.end().catch(() => {});
    }
  }, { proc, timeoutMs: 30_000 });
  return {
    url,
    port,
    async stop() {
      // Smart shutdown first: sessions the test already closed end without the
      // server sending "terminating connection" to sockets pg still listens on.
      // A leaked session would block it, so escalate to fast shutdown.
      proc.child.kill("SIGTERM");
      const exited = await Promise.race([
        new Promise<boolean>((r) => proc.child.once("exit", () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 3_000)),
      ]);
      if (!exited) await proc.stop("SIGINT", 10_000);
      await dir.remove();
    },
  };
}
