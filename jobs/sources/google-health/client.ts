// DataSource over the Google Health API v4: lists data points for a window
// with an AIP-160 filter, follows nextPageToken (newest first) and yields each
// page translated into raw records. Quota (429 / RESOURCE_EXHAUSTED) and
// server (5xx / UNAVAILABLE) failures, truncated bodies and network errors are
// retried with bounded, jittered backoff; a 401 triggers one token refresh.
import type { Logger } from "pino";
import { createLogger } from "../../../lib/logger.ts";
import type { DataSource, Metric, RawSample, RawSleepSession, SampleMetric, TimeWindow } from "../types.ts";
import { apiFailure, describeRpc, isRetryableHttp, parseRpcStatus } from "./errors.ts";
import { createAccessTokenProvider, type AccessTokenProvider } from "./oauth.ts";
import { TokenBucket } from "../../../lib/rate-limiter.ts";
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryPolicy } from "./retry.ts";
import type { TokenStore } from "./token-store.ts";
import { DATA_TYPES, toRawSample, toRawSleepSession, windowFilter, type WireDataPoint, type WireListResponse } from "./wire.ts";

export const DEFAULT_API_BASE_URL = "https://health.googleapis.com/";
export const DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token";

export interface GoogleHealthSourceOptions {
  tokenStore: TokenStore;
  /** Default https://health.googleapis.com/ (env GOOGLE_HEALTH_API_BASE_URL in googleHealthUrlsFromEnv). */
  apiBaseUrl?: string;
  /** Default https://oauth2.googleapis.com/token. */
  tokenUrl?: string;
  /** Page size for sample types (max 10000, the default). */
  pageSize?: number;
  /** Page size for sleep (max 25, the default). */
  sleepPageSize?: number;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout. Default 60 s. */
  timeoutMs?: number;
  /** The per-user quota the client paces itself under. Default 300 requests per 60 s (the API's). */
  quota?: { requests: number; windowMs: number };
  logger?: Logger;
}

export interface HealthIdentity {
  name: string;
  healthUserId: string;
  legacyUserId?: string;
}

export interface GoogleHealthSource extends DataSource {
  /** GET v4/users/me/identity: maps a legacy Fitbit user id to the Google healthUserId. */
  identity(): Promise<HealthIdentity>;
}

/** Base URLs from the environment, so a CronJob (or a local run) can point at a test double. */
export function googleHealthUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): { apiBaseUrl: string; tokenUrl: string } {
  return {
    apiBaseUrl: env.GOOGLE_HEALTH_API_BASE_URL || DEFAULT_API_BASE_URL,
    tokenUrl: env.GOOGLE_OAUTH_TOKEN_URL || DEFAULT_TOKEN_URL,
  };
}

function checkUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${field}: "${value}" is not an absolute URL, e.g. https://health.googleapis.com/`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${field}: "${value}" must be an http(s) URL`);
  return url;
}

function checkPageSize(value: number | undefined, max: number, field: string): number {
  if (value === undefined) return max;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${field}: ${value} must be an integer from 1 to ${max}`);
  return value;
}

interface Attempt {
  retryable: boolean;
  error: Error;
  retryAfterMs?: number;
  status?: number;
}

/**
 * A token bucket that can never exceed the quota in any window: at most
 * `burst + rate * window` requests fit in one, so rate = (requests - burst) / window.
 * A backfill of 30 days of 1 s heart rate is ~260 pages: paced, it waits
 * instead of collecting 429s (each of which still counts against the API's quota).
 */
export function quotaPacer(quota: { requests: number; windowMs: number }): TokenBucket {
  if (!(quota.requests >= 2) || !(quota.windowMs > 0)) throw new Error(`quota: need at least 2 requests in a positive window, got ${quota.requests} per ${quota.windowMs} ms`);
  const burst = Math.max(1, Math.floor(quota.requests / 60));
  return new TokenBucket(((quota.requests - burst) / quota.windowMs) * 1000, burst);
}

export function createGoogleHealthSource(opts: GoogleHealthSourceOptions): GoogleHealthSource {
  const base = checkUrl(opts.apiBaseUrl ?? DEFAULT_API_BASE_URL, "apiBaseUrl");
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const tokenUrl = checkUrl(opts.tokenUrl ?? DEFAULT_TOKEN_URL, "tokenUrl").toString();
  const pageSize = checkPageSize(opts.pageSize, 10_000, "pageSize");
  const sleepPageSize = checkPageSize(opts.sleepPageSize, 25, "sleepPageSize");
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const logger = opts.logger ?? createLogger({ name: "google-health" });
  const tokens: AccessTokenProvider = createAccessTokenProvider({ tokenUrl, store: opts.tokenStore, retry, logger, timeoutMs });
  const pace = quotaPacer(opts.quota ?? { requests: 300, windowMs: 60_000 });

  /** One HTTP attempt: the parsed body, or a classified failure. */
  async function attempt<T>(url: URL, token: string, what: string): Promise<{ ok: T } | { unauthorized: true } | Attempt> {
    let res: Response;
    let text: string;
    try {
      await pace.take();
      res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      return { retryable: true, error: new Error(`${what}: network error (${(err as Error).message})`, { cause: err }) };
    }
    if (res.ok) {
      try {
        return { ok: JSON.parse(text) as T };
      } catch (err) {
        // A body cut off mid-way is a transport fault, not bad data: ask again.
        return { retryable: true, status: res.status, error: new Error(`${what}: response was not valid JSON (${text.length} bytes, truncated?)`, { cause: err }) };
      }
    }
    const rpc = parseRpcStatus(text);
    if (res.status === 401) return { unauthorized: true };
    if (isRetryableHttp(res.status, rpc)) {
      return {
        retryable: true,
        status: res.status,
        retryAfterMs: parseRetryAfter(res.headers.get("retry-after")),
        error: new Error(`${what} failed: ${describeRpc(res.status, rpc, text)}`),
      };
    }
    return { retryable: false, status: res.status, error: apiFailure(res.status, rpc, text, what) };
  }

  async function getJson<T>(path: string, params: Record<string, string>, what: string): Promise<T> {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    let refreshedAfter401 = false;
    for (let retries = 0; ; ) {
      const token = await tokens.get();
      const r = await attempt<T>(url, token, what);
      if ("ok" in r) return r.ok;
      if ("unauthorized" in r) {
        if (refreshedAfter401) throw apiFailure(401, undefined, "", what);
        // Expired or revoked access token: refresh once and repeat the request.
        refreshedAfter401 = true;
        tokens.invalidate(token);
        logger.info({ request: what }, "Access token rejected; refreshing it once");
        continue;
      }
      if (!r.retryable || retries >= retry.maxRetries) {
        if (r.retryable) throw new Error(`${r.error.message}; gave up after ${retries + 1} attempts`, { cause: r.error });
        throw r.error;
      }
      if (r.retryAfterMs !== undefined && r.retryAfterMs > retry.maxRetryAfterMs) {
        throw new Error(`${r.error.message}; the server asked to retry after ${Math.round(r.retryAfterMs / 1000)} s, longer than this job waits. Run it again later`);
      }
      const delayMs = backoffDelay(retry, retries, r.retryAfterMs);
      logger.warn({ request: what, status: r.status, attempt: retries + 1, delayMs }, "Google Health API request failed; retrying");
      await retry.sleep(delayMs);
      retries++;
    }
  }

  async function* list(metric: Metric, window: TimeWindow): AsyncGenerator<WireDataPoint[]> {
    const info = DATA_TYPES[metric];
    const filter = windowFilter(metric, window.from, window.to);
    const size = String(metric === "sleep" ? sleepPageSize : pageSize);
    let pageToken: string | undefined;
    for (let page = 1; ; page++) {
      const params: Record<string, string> = { filter, pageSize: size };
      if (pageToken) params.pageToken = pageToken;
      const what = `list ${info.url} page ${page}`;
      const body = await getJson<WireListResponse>(`v4/users/me/dataTypes/${info.url}/dataPoints`, params, what);
      const points = Array.isArray(body.dataPoints) ? body.dataPoints : [];
      if (points.length > 0) yield points;
      if (!body.nextPageToken) return;
      if (body.nextPageToken === pageToken) throw new Error(`${what}: the API returned the same nextPageToken twice; stopping to avoid a loop`);
      pageToken = body.nextPageToken;
    }
  }

  return {
    name: "google-health",
    async *samples(metric: SampleMetric, window: TimeWindow): AsyncGenerator<RawSample[]> {
      if (!(window.from < window.to)) return;
      for await (const points of list(metric, window)) yield points.map((p) => toRawSample(metric, p));
    },
    async *sleep(window: TimeWindow): AsyncGenerator<RawSleepSession[]> {
      if (!(window.from < window.to)) return;
      for await (const points of list("sleep", window)) yield points.map(toRawSleepSession);
    },
    identity: () => getJson<HealthIdentity>("v4/users/me/identity", {}, "get identity"),
  };
}
