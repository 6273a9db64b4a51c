// Default schedules spread by a hash of the object (Jenkins' "H"): a thousand
// Participants created together get a thousand different start minutes
// instead of one 03:00 stampede on the database and the Google API quota.
import { createHash } from "node:crypto";

function hashInt(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

/** Every 6 hours at a minute and hour offset fixed per object, e.g. "37 2/6 * * *". */
export function defaultIngestSchedule(namespace: string, name: string): string {
  const h = hashInt(`${namespace}/${name}`);
  return `${h % 60} ${Math.floor(h / 60) % 6}/6 * * *`;
}

/** Daily, three hours after one of the participant's ingest runs, so fresh data is there to impute. */
export function defaultImputeSchedule(namespace: string, name: string): string {
  const h = hashInt(`${namespace}/${name}`);
  return `${h % 60} ${(Math.floor(h / 60) % 6) + 3} * * *`;
}
