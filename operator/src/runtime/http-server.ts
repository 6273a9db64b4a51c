// /metrics, /healthz (the process and its event loop are alive) and /readyz
// (caches synced: a replica can take over leadership at once). Followers are
// ready too, as in controller-runtime; only the leader reconciles.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthSources {
  registry: Registry;
  ready: () => boolean;
  healthy: () => boolean;
  /** Refreshes gauges computed from caches just before a scrape. */
  beforeScrape?: () => void;
}

export async function startHttpServer(port: number, src: HealthSources, host = "0.0.0.0"): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const reply = (code: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(code, { "Content-Type": type });
      res.end(body);
    };
    if (path === "/healthz") return reply(src.healthy() ? 200 : 503, src.healthy() ? "ok\n" : "unhealthy\n");
    if (path === "/readyz") return reply(src.ready() ? 200 : 503, src.ready() ? "ok\n" : "caches not synced\n");
    if (path === "/metrics") {
      src.beforeScrape?.();
      src.registry.metrics().then((text) => reply(200, text, src.registry.contentType), (err: unknown) => reply(500, String(err)));
      return;
    }
    reply(404, "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    server,
    port: typeof addr === "object" && addr ? addr.port : port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
