// Sending recorded requests, now (on submit and manual retry) and later (the
// background retry loop). The row is always written before the SMTP
// conversation starts and updated after it, so the database says what happened
// even if the process dies in between (stale pending rows are then failed and
// retried: delivery is at-least-once, with a stable Message-ID per request).
import type { Logger } from "pino";
import type { ContactSource } from "./contacts.ts";
import { buildMail, type Mailer } from "./mailer.ts";
import type { OutreachMetrics } from "./metrics.ts";
import { describeError } from "./redact.ts";
import * as store from "./store.ts";

export interface DeliveryDeps {
  db: store.Queryable;
  mailer: Mailer;
  contacts: ContactSource;
  metrics: OutreachMetrics;
  log: Logger;
  messageIdDomain: string;
}

export interface RetryPolicy {
  /** Delay before the first automatic retry; doubles after each attempt. */
  baseSeconds: number;
  /** No automatic retry once a row has this many attempts (manual retry still works). */
  maxAttempts: number;
  /** Pending rows older than this are treated as interrupted. */
  staleSeconds: number;
}

export type DeliveryOutcome = { status: "sent" } | { status: "failed"; error: string } | { status: "skipped" };

export class Delivery {
  // Rows this process is sending right now: kept out of stale-pending recovery
  // and never sent twice concurrently by the manual and background paths.
  readonly inFlight = new Set<string>();
  private readonly deps: DeliveryDeps;

  constructor(deps: DeliveryDeps) {
    this.deps = deps;
  }

  /** Sends a row that insertPendingRequest just recorded. */
  async deliverNew(request: store.ContactRequest): Promise<DeliveryOutcome> {
    return this.guarded(request.id, async () => {
      const started = await store.startAttempt(this.deps.db, request.id);
      return started ? this.send(started) : { status: "skipped" };
    });
  }

  /** Retries a failed row; "skipped" when it is no longer failed (sent or being sent). */
  async retry(id: string): Promise<DeliveryOutcome> {
    return this.guarded(id, async () => {
      const claimed = await store.claimForRetry(this.deps.db, id);
      return claimed ? this.send(claimed) : { status: "skipped" };
    });
  }

  /** One pass of the background loop: recover interrupted rows, then retry the due ones. */
  async retryDue(policy: RetryPolicy, batch = 20): Promise<DeliveryOutcome[]> {
    const recovered = await store.failStalePending(this.deps.db, policy.staleSeconds, [...this.inFlight]);
    if (recovered > 0) this.deps.log.warn({ rows: recovered }, "Marked interrupted contact requests failed for retry");
    const due = await store.dueForRetry(this.deps.db, { baseSeconds: policy.baseSeconds, maxAttempts: policy.maxAttempts, limit: batch });
    const outcomes: DeliveryOutcome[] = [];
    for (const id of due) outcomes.push(await this.retry(id));
    return outcomes;
  }

  private async guarded(id: string, run: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    if (this.inFlight.has(id)) return { status: "skipped" };
    this.inFlight.add(id);
    try {
      return await run();
    } finally {
      this.inFlight.delete(id);
    }
  }

  private async send(request: store.ContactRequest): Promise<DeliveryOutcome> {
    const { db, log, metrics } = this.deps;
    const fields = { contactRequestId: request.id, participantId: request.participantId, attempt: request.attempts };
    try {
      const to = await this.deps.contacts.lookup(request.participantId);
      if (!to) throw new Error(`No contact address on file for participant ${request.participantId}; add one to participant_contacts or the Participant's contact Secret`);
      await this.deps.mailer.send(buildMail(request, to, this.deps.messageIdDomain));
    } catch (err) {
      const error = describeError(err);
      await store.markFailed(db, request.id, error);
      metrics.messages.inc({ status: "failed" });
      log.warn({ ...fields, error }, "Contact request delivery failed");
      return { status: "failed", error };
    }
    await store.markSent(db, request.id);
    metrics.messages.inc({ status: "sent" });
    log.info(fields, "Contact request sent");
    return { status: "sent" };
  }
}

/** Runs retryDue every intervalMs until stopped; errors are logged, never fatal. */
export function startRetryLoop(delivery: Delivery, policy: RetryPolicy, intervalMs: number, log: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  // A pass that outlives the interval (slow SMTP) is not overlapped by the next one.
  const tick = () => {
    if (stopped || running) return;
    running = delivery
      .retryDue(policy)
      .catch((err: unknown) => log.error({ error: describeError(err) }, "Contact request retry pass failed"))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  // Once at start too: rows interrupted by the previous process are picked up without waiting.
  setImmediate(tick);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
