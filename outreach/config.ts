// Flags and environment for `wearable outreach`, parsed once into a plain
// object (pure: argv and env in, config out) so every bad value is reported
// as a UsageError naming the flag, before anything starts.
import { resolveDatabaseUrl } from "../jobs/db/index.ts";
import { parseDuration, parseFlags, parsePort, parseWholeNumber, UsageError } from "../lib/cli.ts";
import { smtpConfigFromEnv, smtpUnconfigured, type SmtpConfig } from "./mailer.ts";
import type { RetryPolicy } from "./delivery.ts";
import { DEFAULT_BODY_LIMIT, DEFAULT_RATE_LIMITS, type RateLimits } from "./server.ts";

export interface OutreachConfig {
  host: string;
  port: number;
  databaseUrl: string;
  /** Null when no SMTP variable is set: deliveries fail (and are kept for retry) until configured. */
  smtp: SmtpConfig | null;
  contactsDir?: string;
  participantNamespace?: string;
  retry: RetryPolicy;
  retryIntervalMs: number;
  rateLimits: RateLimits;
  bodyLimit: number;
  trustProxy: boolean;
  secureCookies: boolean;
  requesterHeader?: string;
  messageIdDomain: string;
}

export const OUTREACH_FLAGS = {
  host: { type: "string", default: "0.0.0.0" },
  port: { type: "string", default: "8080" },
  "database-url": { type: "string" },
  "contacts-dir": { type: "string" },
  "participant-namespace": { type: "string" },
  "retry-interval": { type: "string", default: "30s" },
  "retry-base": { type: "string", default: "1m" },
  "max-attempts": { type: "string", default: "6" },
  "stale-after": { type: "string", default: "10m" },
  "rate-limit-ip": { type: "string", default: String(DEFAULT_RATE_LIMITS.perIp) },
  "rate-limit-posts": { type: "string", default: String(DEFAULT_RATE_LIMITS.postsPerIp) },
  "rate-limit-participant": { type: "string", default: String(DEFAULT_RATE_LIMITS.perParticipant) },
  "participant-window": { type: "string", default: "1h" },
  "body-limit": { type: "string", default: String(DEFAULT_BODY_LIMIT) },
  "trust-proxy": { type: "boolean", default: false },
  "secure-cookies": { type: "boolean", default: false },
  "requester-header": { type: "string" },
  "message-id-domain": { type: "string", default: "wearable-outreach.invalid" },
} as const;

function positiveInt(text: string, flag: string, max?: number): number {
  return parseWholeNumber(text, flag, { min: 1, max });
}

export function parseOutreachConfig(argv: string[], env: NodeJS.ProcessEnv): OutreachConfig {
  const { values: v } = parseFlags(argv, OUTREACH_FLAGS);
  const port = parsePort(v.port);
  let databaseUrl: string;
  try {
    databaseUrl = resolveDatabaseUrl(v["database-url"], env);
  } catch (err) {
    throw new UsageError(`--database-url: ${(err as Error).message}`, { cause: err });
  }
  const headerName = v["requester-header"];
  if (headerName !== undefined && !/^[A-Za-z0-9-]+$/.test(headerName)) {
    throw new UsageError(`--requester-header: "${headerName}" is not an HTTP header name, e.g. x-forwarded-email`);
  }
  const contactsDir = v["contacts-dir"] ?? env.OUTREACH_CONTACTS_DIR;
  const participantNamespace = v["participant-namespace"] ?? env.OUTREACH_PARTICIPANT_NAMESPACE;
  return {
    host: v.host,
    port,
    databaseUrl,
    smtp: smtpUnconfigured(env) ? null : smtpConfigFromEnv(env),
    ...(contactsDir ? { contactsDir } : {}),
    ...(participantNamespace ? { participantNamespace } : {}),
    retry: {
      baseSeconds: parseDuration(v["retry-base"], "--retry-base") / 1000,
      maxAttempts: positiveInt(v["max-attempts"], "--max-attempts", 100),
      staleSeconds: parseDuration(v["stale-after"], "--stale-after") / 1000,
    },
    retryIntervalMs: parseDuration(v["retry-interval"], "--retry-interval"),
    rateLimits: {
      perIp: positiveInt(v["rate-limit-ip"], "--rate-limit-ip"),
      postsPerIp: positiveInt(v["rate-limit-posts"], "--rate-limit-posts"),
      perParticipant: positiveInt(v["rate-limit-participant"], "--rate-limit-participant"),
      windowMs: DEFAULT_RATE_LIMITS.windowMs,
      participantWindowMs: parseDuration(v["participant-window"], "--participant-window"),
    },
    bodyLimit: positiveInt(v["body-limit"], "--body-limit", 1024 * 1024),
    trustProxy: v["trust-proxy"],
    secureCookies: v["secure-cookies"],
    ...(headerName ? { requesterHeader: headerName } : {}),
    messageIdDomain: v["message-id-domain"],
  };
}
