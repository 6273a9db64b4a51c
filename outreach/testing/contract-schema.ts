// The tables the outreach service uses, exactly as the team's Database
// contract names them. Tests create them here only while the data-plane
// migrations (jobs/db migrate()) have not landed; afterwards they call migrate().
import type pg from "pg";

export const OUTREACH_CONTRACT_DDL = `
CREATE TABLE IF NOT EXISTS participants (
  participant_id text PRIMARY KEY,
  time_zone text NOT NULL DEFAULT 'UTC',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS participant_contacts (
  participant_id text PRIMARY KEY REFERENCES participants(participant_id) ON DELETE CASCADE,
  email text NOT NULL
);
CREATE TABLE IF NOT EXISTS contact_requests (
  id bigserial PRIMARY KEY,
  participant_id text NOT NULL REFERENCES participants(participant_id) ON DELETE CASCADE,
  template text NOT NULL,
  message text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  requested_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX IF NOT EXISTS contact_requests_participant_created ON contact_requests (participant_id, created_at DESC);
`;

export async function applyOutreachSchema(db: Pick<pg.Pool, "query">): Promise<void> {
  await db.query(OUTREACH_CONTRACT_DDL);
}

export interface SeedParticipant {
  id: string;
  timeZone?: string;
  email?: string;
}

export async function seedParticipants(db: Pick<pg.Pool, "query">, participants: readonly SeedParticipant[]): Promise<void> {
  for (const p of participants) {
    await db.query("INSERT INTO participants (participant_id, time_zone) VALUES ($1, $2) ON CONFLICT DO NOTHING", [p.id, p.timeZone ?? "UTC"]);
    if (p.email) {
      await db.query(
        "INSERT INTO participant_contacts (participant_id, email) VALUES ($1, $2) ON CONFLICT (participant_id) DO UPDATE SET email = EXCLUDED.email",
        [p.id, p.email],
      );
    }
  }
}

/**
 * Asks the PostgreSQL postmaster itself for a fast shutdown. Workaround: the
 * harness stops native PostgreSQL with SIGINT sent to `runuser`, which ignores
 * it when tests run as root, so stop() waits for its 10 s grace and leaves the
 * server's pipes open for tens of seconds more. Signalling the postmaster
 * (its PID is the first line of postmaster.pid) makes stop() return at once.
 */
export async function requestFastShutdown(url: string): Promise<void> {
  const { readFile } = await import("node:fs/promises");
  const { default: pgModule } = await import("pg");
  const client = new pgModule.Client(url);
  await client.connect();
  let dir: string;
  try {
    dir = (await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir")).rows[0]!.dir;
  } finally {
    await client.end();
  }
  const pid = Number((await readFile(`${dir}/postmaster.pid`, "utf8")).split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGINT");
}
