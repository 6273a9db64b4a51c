// The outreach service's Prometheus metrics, on their own registry so tests
// and several app instances in one process never collide. Names are fixed by
// the team contract (alerts and dashboards use them).
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface OutreachMetrics {
  registry: Registry;
  httpRequests: Counter<"route" | "method" | "code">;
  httpDuration: Histogram<"route">;
  messages: Counter<"status">;
}

export function createOutreachMetrics(opts: { defaultMetrics?: boolean } = {}): OutreachMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: "outreach_http_requests_total",
    help: "HTTP requests served, by route template, method and status code",
    labelNames: ["route", "method", "code"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "outreach_http_request_duration_seconds",
    help: "HTTP request duration by route template (includes synchronous SMTP delivery on submit)",
    labelNames: ["route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const messages = new Counter({
    name: "outreach_messages_total",
    help: "Delivery attempts by outcome (sent or failed); a retried message counts once per attempt",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  // Start both series at zero so rate() and alerts see them before the first message.
  messages.inc({ status: "sent" }, 0);
  messages.inc({ status: "failed" }, 0);
  return { registry, httpRequests, httpDuration, messages };
}
