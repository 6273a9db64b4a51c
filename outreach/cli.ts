// `wearable outreach`: the researcher outreach web app (contact form, message
// history, retries), SMTP delivery and the background retry loop.
import type { Command } from "../lib/cli.ts";
import { createLogger, redactUrl } from "../lib/logger.ts";
import { OUTREACH_FLAGS, parseOutreachConfig } from "./config.ts";
import { startOutreach } from "./run.ts";

const usage = `Usage: wearable outreach [flags]

Serves the researcher outreach web app: participant list, contact form
(/contact?participant=ID, the link the dashboards use), message history with
delivery status and retry, plus /healthz, /readyz and /metrics.

Flags:
  --host HOST                  address to bind (default 0.0.0.0)
  --port PORT                  port to listen on (default 8080; 0 picks a free one)
  --database-url URL           PostgreSQL/TimescaleDB URL (default env DATABASE_URL)
  --contacts-dir DIR           folder with one file per participant holding the address,
                               e.g. a mounted Secret (env OUTREACH_CONTACTS_DIR)
  --participant-namespace NS   also follow Participants' spec.contactSecretRef in NS
                               (env OUTREACH_PARTICIPANT_NAMESPACE; needs get/list on
                               participants and get on secrets)
  --retry-interval DUR         how often the background retry runs (default 30s)
  --retry-base DUR             first automatic retry delay, doubling after (default 1m)
  --max-attempts N             automatic attempts per message (default 6; manual retry always works)
  --stale-after DUR            pending rows older than this count as interrupted (default 10m)
  --rate-limit-ip N            requests per IP per minute (default ${OUTREACH_FLAGS["rate-limit-ip"].default})
  --rate-limit-posts N         form posts per IP per minute (default ${OUTREACH_FLAGS["rate-limit-posts"].default})
  --rate-limit-participant N   messages per participant per window (default ${OUTREACH_FLAGS["rate-limit-participant"].default})
  --participant-window DUR     window for the participant limit (default 1h)
  --body-limit BYTES           largest request body (default ${OUTREACH_FLAGS["body-limit"].default}; 413 above)
  --trust-proxy                take the client IP from X-Forwarded-For (behind an ingress)
  --secure-cookies             mark the CSRF cookie Secure (when served over HTTPS)
  --requester-header NAME      header set by an authenticating proxy (e.g. x-forwarded-email)
                               that fills and locks "Your name"
  --message-id-domain DOMAIN   domain part of Message-IDs (default wearable-outreach.invalid)

Environment (from a Secret):
  SMTP_URL                     smtp://user:password@host:587 or smtps://…, or instead:
  SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_SECURE, SMTP_REQUIRE_TLS
  SMTP_FROM                    sender, e.g. "Study team <study@example.org>" (required with SMTP_*)
                               With no SMTP_* at all the service still runs; each message is
                               stored, marked failed ("SMTP is not configured") and retried.
  WEARABLE_DB_EMBEDDED=1       the database is the embedded one: one connection
                               (otherwise detected by asking the server)
  LOG_LEVEL                    pino level (default info)`;

const command: Command = {
  name: "outreach",
  summary: "Serve the researcher outreach web app (contact form, SMTP delivery, retries)",
  usage,
  async run(argv) {
    const config = parseOutreachConfig(argv, process.env);
    const log = createLogger({ name: "outreach" });
    const running = await startOutreach(config, log);
    log.info({ url: running.url, database: redactUrl(config.databaseUrl), smtp: config.smtp?.describe ?? "not configured" }, "Outreach service started");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await running.stop();
    log.info("Outreach service stopped");
    return 0;
  },
};
export default command;
