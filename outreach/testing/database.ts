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
