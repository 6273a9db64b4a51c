// The outreach web app: fastify with form bodies, CSRF tokens (double-submit
// cookie), per-IP and per-participant rate limits, strict security headers,
// Prometheus metrics and one JSON log line per request.
import fastifyCookie from "@fastify/cookie";
import fastifyCsrf from "@fastify/csrf-protection";
import fastifyFormbody from "@fastify/formbody";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from "fastify";
import type { Logger } from "pino";
import type { ContactSource } from "./contacts.ts";
import { Delivery } from "./delivery.ts";
import type { Mailer } from "./mailer.ts";
import type { OutreachMetrics } from "./metrics.ts";
import { registerOpsRoutes } from "./ops-routes.ts";
import { registerPageRoutes } from "./page-routes.ts";
import type { Queryable } from "./store.ts";
import { ERROR_PAGES, sendErrorPage } from "./error-replies.ts";
import { CONTENT_SECURITY_POLICY } from "./views/layout.ts";

export interface RateLimits {
  /** Requests per IP per window on every page. */
  perIp: number;
  /** Form posts (send, retry) per IP per window. */
  postsPerIp: number;
  /** Messages per participant per participantWindowMs, whoever sends them. */
  perParticipant: number;
  windowMs: number;
  participantWindowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  perIp: 300,
  postsPerIp: 30,
  perParticipant: 5,
  windowMs: 60_000,
  participantWindowMs: 3_600_000,
};

export interface OutreachServerOptions {
  db: Queryable;
  mailer: Mailer;
  contacts: ContactSource;
  metrics: OutreachMetrics;
  log: Logger;
  rateLimits?: Partial<RateLimits>;
  /** Largest accepted request body in bytes (413 above). */
  bodyLimit?: number;
  /** Trust X-Forwarded-For from a proxy in front (ingress). */
  trustProxy?: boolean;
  /** Mark the CSRF cookie Secure (set when served over HTTPS). */
  secureCookies?: boolean;
  /** Header an authenticating proxy sets with the signed-in user (e.g. x-forwarded-email); fills "Your name". */
  requesterHeader?: string;
  messageIdDomain?: string;
}

export interface OutreachServer {
  app: FastifyInstance;
  delivery: Delivery;
}

// A 2,000-character message in a non-Latin script is up to 2,000 x 3 UTF-8
// bytes, each percent-encoded to 3 characters: 18 KB. 32 KiB leaves room for
// the other fields and still refuses anything no form of ours produces.
export const DEFAULT_BODY_LIMIT = 32 * 1024;

function securityHeaders(app: FastifyInstance): void {
  app.addHook("onSend", async (_req, reply, payload) => {
    reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    reply.header("x-content-type-options", "nosniff");
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "no-referrer");
    reply.header("cross-origin-opener-policy", "same-origin");
    reply.header("cross-origin-resource-policy", "same-origin");
    reply.header("permissions-policy", "camera=(), microphone=(), geolocation=()");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    return payload;
  });
}

function observe(app: FastifyInstance, metrics: OutreachMetrics, log: Logger): void {
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    const code = String(reply.statusCode);
    metrics.httpRequests.inc({ route, method: req.method, code });
    metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
    // Only the route template and status: query strings may hold search terms.
    const quiet = route === "/healthz" || route === "/readyz" || route === "/metrics";
    log[quiet ? "debug" : "info"](
      { reqId: req.id, method: req.method, route, statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime) },
      "Served request",
    );
  });
}

function handleErrors(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) log.error({ reqId: req.id, route: req.routeOptions.url, error: err.message, code: err.code }, "Request failed");
    else log.warn({ reqId: req.id, route: req.routeOptions.url, statusCode: status, code: err.code }, "Request refused");
    return sendErrorPage(reply, ERROR_PAGES[status] ? status : status >= 500 ? 500 : 400);
  });
  app.setNotFoundHandler(
    { preHandler: app.rateLimit() },
    (_req, reply) => sendErrorPage(reply, 404),
  );
}

export async function buildOutreachServer(opts: OutreachServerOptions): Promise<OutreachServer> {
  const limits = { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits };
  const app = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: opts.trustProxy ?? false,
    return503OnClosing: true,
  });
  const delivery = new Delivery({
    db: opts.db,
    mailer: opts.mailer,
    contacts: opts.contacts,
    metrics: opts.metrics,
    log: opts.log,
    messageIdDomain: opts.messageIdDomain ?? "wearable-outreach.invalid",
  });
  securityHeaders(app);
  observe(app, opts.metrics, opts.log);
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  // Forms are the only input: without a JSON parser, other encodings get 415.
  app.removeContentTypeParser(["application/json", "text/plain"]);
  await app.register(fastifyCsrf, {
    cookieKey: "outreach_csrf",
    cookieOpts: { path: "/", sameSite: "strict", httpOnly: true, secure: opts.secureCookies ?? false },
    // Forms only: the token travels in the body, never in a header another site could script.
    getToken: (req) => {
      const token = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof token === "string" ? token : undefined;
    },
  });
  await app.register(fastifyRateLimit, { global: true, max: limits.perIp, timeWindow: limits.windowMs });
  handleErrors(app, opts.log);
  registerOpsRoutes(app, { db: opts.db, metrics: opts.metrics });
  registerPageRoutes(app, {
    db: opts.db,
    contacts: opts.contacts,
    delivery,
    limits,
    ...(opts.requesterHeader ? { requesterHeader: opts.requesterHeader.toLowerCase() } : {}),
  });
  return { app, delivery };
}
