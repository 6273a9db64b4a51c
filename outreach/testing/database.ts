// Test fixtures for the outreach service's database: participants with or
// without a contact address, on a schema made by the real migrate().
import type pg from "pg";

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
