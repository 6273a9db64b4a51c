// Probes and metrics. Exempt from rate limits so Prometheus and the kubelet
// are never refused.
import type { FastifyInstance } from "fastify";
import type { OutreachMetrics } from "./metrics.ts";
import { contactRequestsReady, type Queryable } from "./store.ts";

export function registerOpsRoutes(app: FastifyInstance, deps: { db: Queryable; metrics: OutreachMetrics }): void {
  const config = { rateLimit: false } as const;
  app.get("/healthz", { config }, async (_req, reply) => reply.type("text/plain").send("ok\n"));
  app.get("/readyz", { config }, async (req, reply) => {
    try {
      if (await contactRequestsReady(deps.db)) return reply.type("text/plain").send("ok\n");
      return reply.code(503).type("text/plain").send("database reachable, but table contact_requests is missing: run `wearable migrate`\n");
    } catch (err) {
      req.log.warn({ error: (err as Error).message }, "Readiness check failed");
      return reply.code(503).type("text/plain").send("database unreachable\n");
    }
  });
  app.get("/metrics", { config }, async (_req, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  // Browsers ask for it on every page; answer without a 404 in the logs.
  app.get("/favicon.ico", { config }, async (_req, reply) => reply.code(204).send());
}
