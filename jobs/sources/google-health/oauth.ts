// Google OAuth 2.0 refresh-token grant. The access token (1 h) is cached
// until shortly before it expires; concurrent callers share one refresh.
// A refresh token Google no longer honours (invalid_grant: revoked, unused
// for 6 months, or time-limited access lapsed) is permanent: only the
// participant consenting again can fix it.
import type { Logger } from "pino";
import { PermanentSourceError } from "../types.ts";
import { LEGACY_GONE_MESSAGE } from "./errors.ts";
import { backoffDelay, parseRetryAfter, type RetryPolicy } from "./retry.ts";
import type { OAuthCredentials, TokenStore } from "./token-store.ts";

export interface AccessTokenProvider {
  /** A valid access token, refreshing when the cached one is (nearly) expired. */
  get(): Promise<string>;
  /** Drops `token` from the cache (after the API answered 401 for it). */
  invalidate(token: string): void;
}

export interface AccessTokenProviderOptions {
  tokenUrl: string;
  store: TokenStore;
  retry: RetryPolicy;
  logger: Logger;
  timeoutMs: number;
  now?: () => number;
}

interface TokenResponse {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  error?: string;
  error_description?: string;
}

function refreshFailure(status: number, body: TokenResponse, store: TokenStore): Error {
  const detail = `${body.error ?? `HTTP ${status}`}${body.error_description ? `: ${body.error_description}` : ""}`;
  if (status === 410) return new PermanentSourceError(`${LEGACY_GONE_MESSAGE} (token endpoint: HTTP 410)`);
  if (body.error === "invalid_grant") {
    return new PermanentSourceError(
      `Google rejected the refresh token from ${store.description} (${detail}): it was revoked, unused for 6 months, or its ` +
        "time-limited access lapsed. The participant must re-consent through Google OAuth (access_type=offline) and the new " +
        `refresh token must be stored under the "refresh_token" key of ${store.description}`,
    );
  }
  if (body.error === "invalid_client" || body.error === "unauthorized_client") {
    return new PermanentSourceError(`Google rejected the OAuth client in ${store.description} (${detail}); check its client_id and client_secret keys`);
  }
  return new Error(`Token refresh against the token endpoint failed (${detail})`);
}

export function createAccessTokenProvider(opts: AccessTokenProviderOptions): AccessTokenProvider {
  const now = opts.now ?? Date.now;
  let credentials: OAuthCredentials | undefined;
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function postToken(creds: OAuthCredentials): Promise<{ status: number; body: TokenResponse; retryAfter?: number }> {
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: creds.refreshToken,
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
    });
    const res = await fetch(opts.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await res.text();
    let body: TokenResponse;
    try {
      body = JSON.parse(text) as TokenResponse;
    } catch {
      body = { error: `unreadable response (HTTP ${res.status}, ${text.length} bytes)` };
      if (res.ok) return { status: 502, body }; // a truncated 200 is a transport fault: retry
    }
    return { status: res.status, body, retryAfter: parseRetryAfter(res.headers.get("retry-after")) };
  }

  async function refresh(): Promise<string> {
    credentials ??= await opts.store.load();
    const creds = credentials;
    for (let attempt = 0; ; attempt++) {
      let result: Awaited<ReturnType<typeof postToken>> | undefined;
      let networkError: unknown;
      try {
        result = await postToken(creds);
      } catch (err) {
        networkError = err;
      }
      if (result && result.status >= 200 && result.status < 300) return accept(creds, result.body);
      const retryable = networkError !== undefined || result!.status === 429 || result!.status >= 500;
      if (!retryable || attempt >= opts.retry.maxRetries) {
        if (networkError) throw new Error(`Token endpoint unreachable after ${attempt + 1} attempts`, { cause: networkError });
        throw refreshFailure(result!.status, result!.body, opts.store);
      }
      const delay = backoffDelay(opts.retry, attempt, result?.retryAfter);
      opts.logger.warn({ status: result?.status, attempt: attempt + 1, delayMs: delay }, "Token refresh failed; retrying");
      await opts.retry.sleep(delay);
    }
  }

  async function accept(creds: OAuthCredentials, body: TokenResponse): Promise<string> {
    if (!body.access_token) throw new Error("Token endpoint answered without an access_token");
    if (body.refresh_token && body.refresh_token !== creds.refreshToken) {
      // Store before use: if storing fails the job stops here, still holding a usable old token in the Secret.
      await opts.store.saveRefreshToken(body.refresh_token, creds.refreshToken);
      credentials = { ...creds, refreshToken: body.refresh_token };
    }
    const lifetimeMs = (Number(body.expires_in) || 3600) * 1000;
    // Refresh a minute early (or at half-life for short-lived tokens) so a request never carries a token that expires in flight.
    cached = { token: body.access_token, refreshAt: now() + lifetimeMs - Math.min(60_000, lifetimeMs / 2) };
    opts.logger.debug({ expiresInSeconds: lifetimeMs / 1000 }, "Refreshed access token");
    return body.access_token;
  }

  return {
    async get() {
      if (cached && now() < cached.refreshAt) return cached.token;
      inFlight ??= refresh().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}
