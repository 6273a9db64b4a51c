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

export async function startNativePostgres(): Promise<NativePostgres> {
  const bin = postgresBinDir();
  const dir = await tempDir("pg");
  const data = join(dir.path, "data");
  // initdb refuses to run as root; the server runs as the `postgres` OS user then.
  const asRoot = process.getuid?.() === 0;
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  if (asRoot) await run("chown", ["postgres", dir.path]);
  const pwFile = join(dir.path, "pw");
  await writeFile(pwFile, "postgres\n");
  if (asRoot) await run("chown", ["postgres", pwFile]);
  const [initCmd, initArgs] = wrap(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--pwfile", pwFile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"]);
  await run(initCmd, initArgs);
  const port = await freePort();
  const [cmd, args] = wrap(join(bin, "postgres"), [
    "-D", data, "-p", String(port), "-h", "127.0.0.1", "-k", dir.path,
    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
    "-c", "max_connections=200", "-c", "shared_buffers=256MB",
  ]);
  const proc = startProcess("postgres", cmd, args, { logDir: dir.path });
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  await waitFor("postgres to accept connections", async () => {
    const c = new pg.Client(url);
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
      await proc.stop("SIGINT", 10_000);
      await dir.remove();
    },
  };
}
