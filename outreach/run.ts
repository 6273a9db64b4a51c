// Wires the outreach service from its config: pool, contact sources, mailer,
// server and retry loop. Returned stop() closes them in reverse order.
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import { openDb } from "../jobs/db/index.ts";
import type { OutreachConfig } from "./config.ts";
import { chainContactSources, databaseContactSource, kubernetesContactSource, secretDirContactSource, type ContactSource } from "./contacts.ts";
import { startRetryLoop } from "./delivery.ts";
import { createSmtpMailer, SMTP_NOT_CONFIGURED, unconfiguredMailer } from "./mailer.ts";
import { createOutreachMetrics } from "./metrics.ts";
import { buildOutreachServer } from "./server.ts";
import type { Queryable } from "./store.ts";

export interface RunningOutreach {
  url: string;
  stop(): Promise<void>;
}

function contactSources(config: OutreachConfig, db: Queryable): ContactSource {
  const sources: ContactSource[] = [databaseContactSource(db)];
  if (config.contactsDir) sources.push(secretDirContactSource(config.contactsDir));
  if (config.participantNamespace) {
    const kc = new k8s.KubeConfig();
    kc.loadFromDefault();
    sources.push(kubernetesContactSource({
      namespace: config.participantNamespace,
      customObjects: kc.makeApiClient(k8s.CustomObjectsApi),
      core: kc.makeApiClient(k8s.CoreV1Api),
    }));
  }
  return chainContactSources(sources);
}

export async function startOutreach(config: OutreachConfig, log: Logger): Promise<RunningOutreach> {
  // The shared pool factory: size 1 against the embedded server (one backend), 5 otherwise.
  const db = await openDb(config.databaseUrl, { max: 5, log, applicationName: "wearable-outreach" });
  const pool = db.pool;
  const mailer = config.smtp ? createSmtpMailer(config.smtp) : unconfiguredMailer();
  if (!config.smtp) log.warn(SMTP_NOT_CONFIGURED);
  const metrics = createOutreachMetrics({ defaultMetrics: true });
  const { app, delivery } = await buildOutreachServer({
    db: pool,
    mailer,
    contacts: contactSources(config, pool),
    metrics,
    log,
    rateLimits: config.rateLimits,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    secureCookies: config.secureCookies,
    messageIdDomain: config.messageIdDomain,
    ...(config.requesterHeader ? { requesterHeader: config.requesterHeader } : {}),
  });
  const url = await app.listen({ host: config.host, port: config.port });
  const loop = startRetryLoop(delivery, config.retry, config.retryIntervalMs, log);
  return {
    url,
    async stop() {
      await app.close();
      await loop.stop();
      mailer.close();
      await db.close();
    },
  };
}
