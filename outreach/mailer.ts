// SMTP delivery through nodemailer. Credentials come from the environment
// (populated from a Kubernetes Secret); they are never logged. Mail is plain
// text only, so message text cannot become markup in a mail client.
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { z } from "zod";
import { UsageError } from "../lib/cli.ts";
import type { ContactRequest } from "./store.ts";
import { templateFor } from "./templates.ts";

export interface SmtpConfig {
  transport: SMTPTransport.Options | string;
  from: string;
  /** For logs: host and port only, never credentials. */
  describe: string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Stable per request, so a receiver can spot a duplicate after a retry. */
  messageId: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

// Timeouts bound how long a request (and a pending row) can wait on SMTP.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

const envSchema = z.object({
  SMTP_URL: z.string().optional(),
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: z.string().regex(/^\d{1,5}$/, { error: "SMTP_PORT must be a port number such as 587" }).optional(),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_SECURE: z.enum(["true", "false"], { error: "SMTP_SECURE must be true or false" }).optional(),
  SMTP_REQUIRE_TLS: z.enum(["true", "false"], { error: "SMTP_REQUIRE_TLS must be true or false" }).optional(),
  SMTP_FROM: z.string({ error: "SMTP_FROM is required: the sender address, e.g. \"Study team <study@example.org>\"" }).min(3),
});

type SmtpEnv = z.infer<typeof envSchema>;

function fromUrl(e: SmtpEnv, text: string): SmtpConfig {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError("SMTP_URL is not a URL; use smtp://user:password@host:587 or smtps://…");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw new UsageError("SMTP_URL must start with smtp:// or smtps://");
  const transport: SMTPTransport.Options = {
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
    secure: url.protocol === "smtps:",
    requireTLS: e.SMTP_REQUIRE_TLS === "true",
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    ...TIMEOUTS,
  };
  return { transport, from: e.SMTP_FROM, describe: `${url.protocol}//${url.hostname}:${transport.port}` };
}

function fromParts(e: SmtpEnv, host: string): SmtpConfig {
  const port = e.SMTP_PORT ? Number(e.SMTP_PORT) : 587;
  if (e.SMTP_USER && !e.SMTP_PASSWORD) throw new UsageError("SMTP_USER is set but SMTP_PASSWORD is not; set both or neither");
  const transport: SMTPTransport.Options = {
    host,
    port,
    secure: e.SMTP_SECURE ? e.SMTP_SECURE === "true" : port === 465,
    requireTLS: e.SMTP_REQUIRE_TLS === "true",
    ...(e.SMTP_USER ? { auth: { user: e.SMTP_USER, pass: e.SMTP_PASSWORD ?? "" } } : {}),
    ...TIMEOUTS,
  };
  return { transport, from: e.SMTP_FROM, describe: `smtp://${host}:${port}` };
}

const SMTP_VARS = ["SMTP_URL", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM"] as const;

/** True when no SMTP variable is set at all: the service runs, and every delivery fails (and is kept) until one is. */
export function smtpUnconfigured(env: NodeJS.ProcessEnv): boolean {
  return SMTP_VARS.every((name) => !env[name]);
}

export const SMTP_NOT_CONFIGURED =
  "SMTP is not configured: set SMTP_URL (or SMTP_HOST) and SMTP_FROM in the outreach Secret (chart value outreach.smtpSecretName); the message is kept and retried";

/** A mailer for a service started without SMTP settings: messages are stored and marked failed with a clear reason. */
export function unconfiguredMailer(): Mailer {
  return {
    send() {
      return Promise.reject(new Error(SMTP_NOT_CONFIGURED));
    },
    close() {},
  };
}

/** Reads SMTP settings from the environment; throws UsageError naming the variable to fix. */
export function smtpConfigFromEnv(env: NodeJS.ProcessEnv): SmtpConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
  const e = parsed.data;
  if (e.SMTP_URL) return fromUrl(e, e.SMTP_URL);
  if (e.SMTP_HOST) return fromParts(e, e.SMTP_HOST);
  throw new UsageError("Set SMTP_URL, or SMTP_HOST (with SMTP_PORT, SMTP_USER, SMTP_PASSWORD as needed)");
}

export function createSmtpMailer(config: SmtpConfig): Mailer {
  const transporter = nodemailer.createTransport(config.transport as SMTPTransport.Options);
  return {
    async send(mail) {
      await transporter.sendMail({ from: config.from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId });
    },
    close() {
      transporter.close();
    },
  };
}

/** Pure: the email for a stored request. */
export function buildMail(request: ContactRequest, to: string, messageIdDomain: string): OutgoingMail {
  return {
    to,
    subject: templateFor(request.template).subject,
    text: `${request.message}\n`,
    messageId: `<contact-request-${request.id}@${messageIdDomain}>`,
  };
}
