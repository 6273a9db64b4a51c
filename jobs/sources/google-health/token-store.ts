// Where a participant's OAuth client and refresh token live. The job reads
// them once and, should the token endpoint ever return a new refresh token,
// stores it durably BEFORE the access token minted with it is used: if the
// job died in between, the old token might already be invalid and the
// participant would have to consent again.
import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { PermanentSourceError } from "../types.ts";

export interface OAuthCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface TokenStore {
  /** Where the credentials live, for messages (e.g. "Secret study/p001-google"); never the values. */
  readonly description: string;
  load(): Promise<OAuthCredentials>;
  /** Durably replaces the refresh token `previous` with `next`; resolves only once stored. */
  saveRefreshToken(next: string, previous: string): Promise<void>;
}

/** Key names shared by the Secret and the file store. */
export const CREDENTIAL_KEYS = { clientId: "client_id", clientSecret: "client_secret", refreshToken: "refresh_token" } as const;

/** Reads the three keys from a string map, naming the missing key and the fix. */
export function credentialsFrom(values: Record<string, string | undefined>, description: string): OAuthCredentials {
  const out: Partial<OAuthCredentials> = {};
  for (const [field, key] of Object.entries(CREDENTIAL_KEYS) as [keyof OAuthCredentials, string][]) {
    const v = values[key]?.trim();
    if (!v) {
      throw new PermanentSourceError(
        `${description} has no "${key}" value; store the Google OAuth ${key.replace("_", " ")} under the key "${key}" ` +
          `(the keys ${Object.values(CREDENTIAL_KEYS).join(", ")} are required)`,
      );
    }
    out[field] = v;
  }
  return out as OAuthCredentials;
}

/**
 * Local development: a JSON file {"client_id","client_secret","refresh_token"}.
 * A new refresh token is written to a temporary file and renamed over the
 * original, so a crash never leaves a half-written file.
 */
export function createFileTokenStore(path: string): TokenStore {
  const description = `token file ${path}`;
  const read = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      throw new PermanentSourceError(`${description} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); create it with keys client_id, client_secret, refresh_token`);
    }
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw new PermanentSourceError(`${description} is not valid JSON; expected {"client_id": "...", "client_secret": "...", "refresh_token": "..."}`);
    }
  };
  return {
    description,
    async load() {
      return credentialsFrom(await read(), description);
    },
    async saveRefreshToken(next) {
      const values = await read();
      values[CREDENTIAL_KEYS.refreshToken] = next;
      const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
      await writeFile(tmp, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}
