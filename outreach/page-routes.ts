// The researcher-facing pages: participant list, contact form, history and retry.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { InvalidContactError, type ContactSource } from "./contacts.ts";
import type { Delivery } from "./delivery.ts";
import { sendErrorPage } from "./error-replies.ts";
import type { RateLimits } from "./server.ts";
import * as store from "./store.ts";
import { describeError } from "./redact.ts";
import { draftFrom, parseSubmission, participantIdSchema, type FieldErrors, type Submission, type SubmissionDraft } from "./submission.ts";
import { TEMPLATE_KEYS, templateFor, type TemplateKey } from "./templates.ts";
import { contactPage } from "./views/contact-page.ts";
import { historyPage, type Notice } from "./views/history-page.ts";
import { participantsPage } from "./views/participants-page.ts";

export interface PageDeps {
  db: store.Queryable;
  contacts: ContactSource;
  delivery: Delivery;
  limits: RateLimits;
  requesterHeader?: string;
}

const LIST_LIMIT = 200;
const SEARCH_MAX = 64;

function first(value: unknown): string {
  if (Array.isArray(value)) return typeof value[0] === "string" ? value[0] : "";
  return typeof value === "string" ? value : "";
}

function htmlReply(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).type("text/html; charset=utf-8").send(body);
}

function headerRequester(req: FastifyRequest, header: string | undefined): string | undefined {
  if (!header) return undefined;
  const v = first(req.headers[header]).trim();
  return v === "" ? undefined : v;
}

/** Checks a participant for the form: exists and has an address. Returns the field error, if any. */
async function participantProblem(deps: PageDeps, participantId: string): Promise<string | undefined> {
  if (!(await store.participantExists(deps.db, participantId))) {
    return `No participant with ID ${participantId}; check the ID in the study dashboards`;
  }
  try {
    if (!(await deps.contacts.lookup(participantId))) {
      return `Participant ${participantId} has no contact address on file; ask the study admin to add one`;
    }
  } catch (err) {
    if (err instanceof InvalidContactError) return err.message;
    // The source is unreachable (e.g. the API server): accept and let delivery retry.
  }
  return undefined;
}

type SaveOutcome =
  | { kind: "saved"; row: store.ContactRequest }
  | { kind: "field"; errors: FieldErrors }
  | { kind: "limited"; max: number; retryAfterSeconds: number }
  | { kind: "unavailable" };

/**
 * Checks, records (committed before any SMTP traffic) and sends one message.
 * A failed send is a saved outcome too: the row is kept as failed for retry.
 */
async function saveAndSend(deps: PageDeps, submission: Submission, log: FastifyBaseLogger): Promise<SaveOutcome> {
  let inserted: store.InsertOutcome;
  try {
    const problem = await participantProblem(deps, submission.participant);
    if (problem) return { kind: "field", errors: { participant: problem } };
    inserted = await store.insertPendingRequest(deps.db, {
      participantId: submission.participant,
      template: submission.template,
      message: submission.message,
      requestedBy: submission.requester,
    }, { max: deps.limits.perParticipant, windowMs: deps.limits.participantWindowMs });
  } catch (err) {
    log.error({ error: describeError(err) }, "Contact request could not be saved");
    return { kind: "unavailable" };
  }
  if (inserted.kind === "no-participant") return { kind: "field", errors: { participant: `No participant with ID ${submission.participant}; check the ID in the study dashboards` } };
  if (inserted.kind === "limited") return inserted;
  const row = inserted.row;
  try {
    await deps.delivery.deliverNew(row);
  } catch (err) {
    // The row is saved as pending; the retry loop recovers it once it is stale.
    log.error({ contactRequestId: row.id, error: describeError(err) }, "Contact request status could not be updated");
  }
  return { kind: "saved", row };
}

function noticeFor(r: store.ContactRequest): Notice {
  if (r.status === "sent") return { kind: "success", text: `Message #${r.id} was sent.` };
  if (r.status === "failed") {
    return {
      kind: "failure",
      text: `Message #${r.id} could not be delivered: ${r.lastError ?? "unknown error"}. It is saved and will be retried automatically; you can also retry it now.`,
    };
  }
  return { kind: "info", text: `Message #${r.id} is being sent.` };
}

export function registerPageRoutes(app: FastifyInstance, deps: PageDeps): void {
  const postLimit = { rateLimit: { max: deps.limits.postsPerIp, timeWindow: deps.limits.windowMs } };

  app.get("/", async (_req, reply) => reply.redirect("/participants", 303));

  app.get("/participants", async (req, reply) => {
    const search = first((req.query as Record<string, unknown>).q).trim().slice(0, SEARCH_MAX);
    const participants = await store.listParticipants(deps.db, search, LIST_LIMIT);
    return htmlReply(reply, 200, participantsPage({ search, participants, limit: LIST_LIMIT }));
  });

  app.get("/contact", async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const preset = first(query.participant).trim();
    const t = first(query.template);
    const template: TemplateKey = (TEMPLATE_KEYS as readonly string[]).includes(t) ? (t as TemplateKey) : "sync-device";
    const draft: SubmissionDraft = {
      participant: preset,
      template,
      message: templateFor(template).body,
      requester: headerRequester(req, deps.requesterHeader) ?? "",
    };
    const errors: FieldErrors = {};
    if (preset) {
      // A dashboard link with a wrong ID says so at once, not after writing the message.
      const parsed = participantIdSchema.safeParse(preset);
      const problem = parsed.success
        ? await participantProblem(deps, parsed.data).catch((err: unknown) => {
          // The form still opens when the database is down; saving will say so.
          req.log.warn({ error: describeError(err) }, "Participant check failed");
          return undefined;
        })
        : parsed.error.issues[0]?.message;
      if (problem) errors.participant = problem;
    }
    const token = reply.generateCsrf();
    return htmlReply(reply, 200, contactPage({ draft, errors, csrfToken: token, requesterLocked: draft.requester !== "" && !!deps.requesterHeader }));
  });

  app.post("/contact", { config: postLimit, preHandler: app.csrfProtection }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fromHeader = headerRequester(req, deps.requesterHeader);
    const input = fromHeader ? { ...body, requester: fromHeader } : body;
    const parsed = parseSubmission(input);
    const rerender = (errors: FieldErrors, draft: SubmissionDraft) =>
      htmlReply(reply, 400, contactPage({ draft, errors, csrfToken: reply.generateCsrf(), requesterLocked: !!fromHeader }));
    if (!parsed.ok) return rerender(parsed.errors, parsed.draft);
    const submission = parsed.value;
    const outcome = await saveAndSend(deps, submission, req.log);
    if (outcome.kind === "field") return rerender(outcome.errors, draftFrom(input));
    if (outcome.kind === "limited") {
      reply.header("retry-after", String(outcome.retryAfterSeconds));
      return sendErrorPage(reply, 429, `Participant ${submission.participant} has already received ${outcome.max} messages recently. Wait before writing again, so participants are not flooded.`);
    }
    if (outcome.kind === "unavailable") {
      // Nothing was stored: say so, and give the researcher their text back to send again.
      return htmlReply(reply.header("retry-after", "60"), 503, contactPage({
        draft: draftFrom(input), errors: {}, csrfToken: reply.generateCsrf(), requesterLocked: !!fromHeader,
        formError: "The message could not be saved because the database is unavailable, so nothing was sent. Your text is still below: send it again in a minute.",
      }));
    }
    return reply.redirect(`/participants/${encodeURIComponent(outcome.row.participantId)}/messages?request=${outcome.row.id}`, 303);
  });

  app.get("/participants/:participantId/messages", async (req, reply) => {
    const parsed = participantIdSchema.safeParse((req.params as { participantId: string }).participantId);
    if (!parsed.success) return sendErrorPage(reply, 404, "That is not a participant ID. Start from the participant list.");
    const participantId = parsed.data;
    const requests = await store.listRequests(deps.db, participantId);
    if (requests.length === 0 && !(await store.participantExists(deps.db, participantId))) {
      return sendErrorPage(reply, 404, `No participant with ID ${participantId}. Start from the participant list.`);
    }
    const highlighted = first((req.query as Record<string, unknown>).request);
    const focus = requests.find((r) => r.id === highlighted);
    return htmlReply(reply, 200, historyPage({
      participantId,
      requests,
      csrfToken: reply.generateCsrf(),
      ...(focus ? { notice: noticeFor(focus) } : {}),
    }));
  });

  app.post("/messages/:id/retry", { config: postLimit, preHandler: app.csrfProtection }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!/^\d{1,18}$/.test(id)) return sendErrorPage(reply, 404, "There is no message with that number.");
    const request = await store.getRequest(deps.db, id);
    if (!request) return sendErrorPage(reply, 404, `There is no message #${id}.`);
    await deps.delivery.retry(id);
    return reply.redirect(`/participants/${encodeURIComponent(request.participantId)}/messages?request=${id}`, 303);
  });
}
