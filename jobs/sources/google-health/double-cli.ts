// `wearable google-health-double`: runs the Google Health API double for
// manual work, serving a synthetic cohort (or one participant), and writes
// a token file per participant so `wearable ingest --source google-health`
// can be pointed at it.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDuration, parseFlags, parseWholeNumber, UsageError, type Command } from "../../../lib/cli.ts";
import { createLogger } from "../../../lib/logger.ts";
import { defaultCohort, isProfileName, PROFILE_NAMES, type CohortMember } from "../synthetic/index.ts";
import { startGoogleHealthDouble } from "./double/server.ts";

const usage = `Usage: wearable google-health-double [flags]

Serves a local double of the Google Health API v4 and the Google OAuth token
endpoint, with data from the synthetic generator. For development only: it
binds to 127.0.0.1 by default and its admin endpoints are unauthenticated.

Flags:
  --host HOST                    Address to bind (default 127.0.0.1)
  --port N                       Port (default 8787; 0 picks a free one)
  --cohort N                     Serve the default demo cohort of N participants (default 20)
  --base-seed N                  Seed of the cohort's first participant (default 1000)
  --participant ID               Serve only this participant (with --seed and --profile)
  --seed N                       Seed for --participant
  --profile NAME                 Profile for --participant: ${PROFILE_NAMES.join(", ")}
  --time-zone TZ                 Participants' IANA time zone (default UTC)
  --token-dir DIR                Write DIR/<participant>.json token files {client_id, client_secret, refresh_token}
  --access-token-lifetime DUR    Access-token lifetime (default 3600s)
  --quota N                      Requests per minute per user before 429 (default 300)
  --rotate-refresh-tokens        Return a new refresh token on every refresh (tests write-back)
  --now ISO                      Fixed "now" for the synthetic data (default: the wall clock)

Point a client at it with:
  GOOGLE_HEALTH_API_BASE_URL=http://HOST:PORT/ GOOGLE_OAUTH_TOKEN_URL=http://HOST:PORT/token

Fault injection (JSON bodies as in jobs/sources/google-health/double/faults.ts):
  POST   /_double/faults                {"kind":"status","status":429,"times":10}
  DELETE /_double/faults
  POST   /_double/expire-access-tokens
  POST   /_double/revoke                {"participantId":"p001"}
  GET    /_double/stats`;

function intFlag(value: string | undefined, flag: string, fallback: number): number {
  return value === undefined ? fallback : parseWholeNumber(value, flag);
}

function members(values: Record<string, string | boolean | undefined>): CohortMember[] {
  const timeZone = (values["time-zone"] as string | undefined) ?? "UTC";
  const participant = values.participant as string | undefined;
  if (participant === undefined) {
    return defaultCohort(intFlag(values.cohort as string | undefined, "--cohort", 20) || 20, {
      baseSeed: intFlag(values["base-seed"] as string | undefined, "--base-seed", 1000),
      timeZone,
    });
  }
  const profile = (values.profile as string | undefined) ?? "compliant";
  if (!isProfileName(profile)) throw new UsageError(`--profile: "${profile}" is not one of ${PROFILE_NAMES.join(", ")}`);
  return [{ participantId: participant, seed: intFlag(values.seed as string | undefined, "--seed", 1), profile, timeZone }];
}

function fixedNow(text: string | undefined): (() => Date) | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now: "${text}" is not an ISO 8601 time, e.g. 2026-11-20T12:00:00Z`);
  return () => d;
}

const command: Command = {
  name: "google-health-double",
  summary: "Run a local double of the Google Health API and OAuth token endpoint (development)",
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      host: { type: "string" },
      port: { type: "string" },
      cohort: { type: "string" },
      "base-seed": { type: "string" },
      participant: { type: "string" },
      seed: { type: "string" },
      profile: { type: "string" },
      "time-zone": { type: "string" },
      "token-dir": { type: "string" },
      "access-token-lifetime": { type: "string" },
      quota: { type: "string" },
      "rotate-refresh-tokens": { type: "boolean" },
      now: { type: "string" },
    });
    const logger = createLogger({ name: "google-health-double" });
    const lifetime = values["access-token-lifetime"] ? parseDuration(values["access-token-lifetime"], "--access-token-lifetime") / 1000 : 3600;
    const who = members(values);
    const double = await startGoogleHealthDouble({
      host: values.host ?? "127.0.0.1",
      port: intFlag(values.port, "--port", 8787),
      accessTokenLifetimeSeconds: Math.max(1, Math.round(lifetime)),
      quotaPerMinute: intFlag(values.quota, "--quota", 300),
      rotateRefreshTokens: values["rotate-refresh-tokens"] === true,
      now: fixedNow(values.now),
      logger,
    });
    const tokenDir = values["token-dir"];
    if (tokenDir) await mkdir(tokenDir, { recursive: true });
    for (const m of who) {
      const { refreshToken } = double.addUser(m);
      if (tokenDir) {
        const body = { client_id: double.clientId, client_secret: double.clientSecret, refresh_token: refreshToken };
        await writeFile(join(tokenDir, `${m.participantId}.json`), `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
      }
    }
    logger.info({ url: double.url, tokenUrl: double.tokenUrl, participants: who.length, tokenDir }, "Started Google Health API double");
    console.log(`GOOGLE_HEALTH_API_BASE_URL=${double.url}\nGOOGLE_OAUTH_TOKEN_URL=${double.tokenUrl}`);
    for (const m of who) console.log(`${m.participantId}\tseed=${m.seed}\tprofile=${m.profile}`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await double.close();
    logger.info("Stopped Google Health API double");
    return 0;
  },
};
export default command;
