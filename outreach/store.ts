// SQL for the outreach service, written against the shared Database contract
// (participants, participant_contacts, contact_requests). Parameterised
// statements only. Status moves pending -> sent | failed; a failed row goes
// back to pending only through claimForRetry, which is one atomic UPDATE so two
// retriers can never send the same row twice at the same moment.
import type pg from "pg";
import { inTransaction } from "../jobs/db/index.ts";
import type { TemplateKey } from "./templates.ts";

export type Queryable = pg.Pool;
export type ContactStatus = "pending" | "sent" | "failed";

export interface ContactRequest {
  id: string;
  participantId: string;
  template: TemplateKey;
  message: string;
  status: ContactStatus;
  attempts: number;
  lastError: string | null;
  requestedBy: string;
  createdAt: Date;
  sentAt: Date | null;
}

export interface ParticipantSummary {
  participantId: string;
  timeZone: string | null;
  lastContactAt: Date | null;
  lastContactStatus: ContactStatus | null;
  failedCount: number;
}

const REQUEST_COLUMNS = `id::text AS id, participant_id, template, message, status, attempts, last_error,
  requested_by, created_at, sent_at`;

interface RequestRow {
  id: string;
  participant_id: string;
  template: TemplateKey;
  message: string;
  status: ContactStatus;
  attempts: number;
  last_error: string | null;
  requested_by: string;
  created_at: Date;
  sent_at: Date | null;
}

function toRequest(r: RequestRow): ContactRequest {
  return {
    id: r.id,
    participantId: r.participant_id,
    template: r.template,
    message: r.message,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

/** Escapes LIKE wildcards so a search for "p_1" matches literally. */
function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listParticipants(db: Queryable, search: string, limit = 200): Promise<ParticipantSummary[]> {
  const { rows } = await db.query<{
    participant_id: string; time_zone: string | null; last_at: Date | null; last_status: ContactStatus | null; failed: string;
  }>(
    `SELECT p.participant_id, p.time_zone, last.created_at AS last_at, last.status AS last_status,
            (SELECT count(*) FROM contact_requests f WHERE f.participant_id = p.participant_id AND f.status = 'failed') AS failed
       FROM participants p
       LEFT JOIN LATERAL (
         SELECT c.created_at, c.status FROM contact_requests c
          WHERE c.participant_id = p.participant_id ORDER BY c.created_at DESC, c.id DESC LIMIT 1
       ) last ON true
      WHERE $1 = '' OR p.participant_id ILIKE $2
      ORDER BY p.participant_id
      LIMIT $3`,
    [search, likePattern(search), limit],
  );
  return rows.map((r) => ({
    participantId: r.participant_id,
    timeZone: r.time_zone,
    lastContactAt: r.last_at,
    lastContactStatus: r.last_status,
    failedCount: Number(r.failed),
  }));
}

export async function participantExists(db: Queryable, participantId: string): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM participants WHERE participant_id = $1", [participantId]);
  return (rowCount ?? 0) > 0;
}

export interface NewContactRequest {
  participantId: string;
  template: TemplateKey;
  message: string;
  requestedBy: string;
}

/**
 * Records a request as pending and commits before anything is sent, so a crash
 * or an SMTP outage can delay a message but never lose it. Returns null when the
 * participant does not exist (checked in the same transaction as the insert).
 */
export type InsertOutcome =
  | { kind: "saved"; row: ContactRequest }
  | { kind: "no-participant" }
  | { kind: "limited"; max: number; retryAfterSeconds: number };

/**
 * Records a pending request unless the participant already got `limit.max`
 * messages within `limit.windowMs`. The count comes from contact_requests
 * itself, under a lock on the participant's row, so the limit holds across
 * replicas and restarts (an in-memory limiter counts per process).
 */
export async function insertPendingRequest(db: Queryable, req: NewContactRequest, limit: { max: number; windowMs: number }): Promise<InsertOutcome> {
  try {
    return await inTransaction(db, async (client): Promise<InsertOutcome> => {
      // NO KEY UPDATE: concurrent requests for one participant queue here; other participants do not wait.
      // The clock, not now(): a request that queued must see the rows committed meanwhile at their real age.
      const exists = await client.query("SELECT 1 FROM participants WHERE participant_id = $1 FOR NO KEY UPDATE", [req.participantId]);
      if ((exists.rowCount ?? 0) === 0) return { kind: "no-participant" };
      const { rows: [recent] } = await client.query<{ n: number; wait: number | null }>(
        `SELECT count(*)::int AS n,
                ceil(extract(epoch FROM min(created_at) + make_interval(secs => $2::float8 / 1000) - clock_timestamp()))::int AS wait
           FROM contact_requests WHERE participant_id = $1 AND created_at > clock_timestamp() - make_interval(secs => $2::float8 / 1000)`,
        [req.participantId, limit.windowMs],
      );
      if ((recent?.n ?? 0) >= limit.max) return { kind: "limited", max: limit.max, retryAfterSeconds: Math.max(1, recent?.wait ?? 1) };
      const { rows } = await client.query<RequestRow>(
        `INSERT INTO contact_requests (participant_id, template, message, status, attempts, requested_by, created_at)
         VALUES ($1, $2, $3, 'pending', 0, $4, now())
         RETURNING ${REQUEST_COLUMNS}`,
        [req.participantId, req.template, req.message, req.requestedBy],
      );
      return { kind: "saved", row: toRequest(rows[0] as RequestRow) };
    });
  } catch (err) {
    throw new Error("while recording the contact request", { cause: err });
  }
}

/** Counts an attempt on a pending row that is about to be sent. */
export async function startAttempt(db: Queryable, id: string): Promise<ContactRequest | null> {
  const { rows } = await db.query<RequestRow>(
    `UPDATE contact_requests SET attempts = attempts + 1 WHERE id = $1 AND status = 'pending' RETURNING ${REQUEST_COLUMNS}`,
    [id],
  );
  return rows[0] ? toRequest(rows[0]) : null;
}

/** Moves a failed row back to pending and counts the attempt; null if it was not failed (someone else took it). */
export async function claimForRetry(db: Queryable, id: string): Promise<ContactRequest | null> {
  const { rows } = await db.query<RequestRow>(
    `UPDATE contact_requests SET status = 'pending', attempts = attempts + 1
      WHERE id = $1 AND status = 'failed' RETURNING ${REQUEST_COLUMNS}`,
    [id],
  );
  return rows[0] ? toRequest(rows[0]) : null;
}

export async function markSent(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE contact_requests SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1`, [id]);
}

export async function markFailed(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(`UPDATE contact_requests SET status = 'failed', last_error = $2 WHERE id = $1`, [id, error]);
}

export async function getRequest(db: Queryable, id: string): Promise<ContactRequest | null> {
  const { rows } = await db.query<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM contact_requests WHERE id = $1`, [id]);
  return rows[0] ? toRequest(rows[0]) : null;
}

export async function listRequests(db: Queryable, participantId: string, limit = 100): Promise<ContactRequest[]> {
  const { rows } = await db.query<RequestRow>(
    `SELECT ${REQUEST_COLUMNS} FROM contact_requests WHERE participant_id = $1
      ORDER BY created_at DESC, id DESC LIMIT $2`,
    [participantId, limit],
  );
  return rows.map(toRequest);
}

/**
 * Failed rows whose backoff has elapsed. The delay before attempt n+1 is
 * base * 2^(n-1), so the row is due once created_at + base * (2^n - 1) has
 * passed: computed from stored columns alone, so a restart keeps the schedule.
 * The exponent is capped so a row retried by hand many times cannot overflow
 * the interval and break the whole pass.
 */
export async function dueForRetry(db: Queryable, opts: { baseSeconds: number; maxAttempts: number; limit: number }): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id::text AS id FROM contact_requests
      WHERE status = 'failed' AND attempts < $2
        AND created_at + make_interval(secs => $1 * (power(2, least(attempts, 20)) - 1)) <= now()
      ORDER BY created_at LIMIT $3`,
    [opts.baseSeconds, opts.maxAttempts, opts.limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Marks pending rows older than staleSeconds as failed so the retry loop takes
 * them: a process that stopped between recording and sending left them behind.
 * Sending takes seconds (SMTP timeouts bound it), so a pending row this old
 * belongs to no live attempt, except the ones this process is sending right
 * now (a manual retry of an old row), which the caller passes as inFlight.
 */
export async function failStalePending(db: Queryable, staleSeconds: number, inFlight: readonly string[]): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE contact_requests
        SET status = 'failed', last_error = 'Delivery was interrupted before it finished; it will be retried'
      WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
        AND NOT (id::text = ANY($2::text[]))`,
    [staleSeconds, inFlight],
  );
  return rowCount ?? 0;
}

export async function contactRequestsReady(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>("SELECT to_regclass('contact_requests')::text AS t");
  return rows[0]?.t != null;
}
