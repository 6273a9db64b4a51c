// Errors of the Google Health API client. google.rpc.Status bodies are
// quoted in messages so an operator sees Google's own reason; which failures
// are permanent (PermanentSourceError: the job stops, watermark untouched)
// versus retryable is decided here in one place.
import { PermanentSourceError } from "../types.ts";

export interface RpcStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: { "@type"?: string; reason?: string; metadata?: Record<string, string> }[];
}

/** A non-retryable, non-permanent API failure (e.g. INVALID_ARGUMENT: a bug on our side). */
export class GoogleHealthApiError extends Error {
  override name = "GoogleHealthApiError";
  readonly httpStatus: number;
  readonly rpcStatus: string | undefined;
  readonly reason: string | undefined;
  constructor(message: string, httpStatus: number, rpc: RpcStatus | undefined, options?: ErrorOptions) {
    super(message, options);
    this.httpStatus = httpStatus;
    this.rpcStatus = rpc?.status;
    this.reason = rpc?.details?.find((d) => d.reason)?.reason;
  }
}

/** Parses a google.rpc.Status error body; undefined when the body is not one. */
export function parseRpcStatus(body: string): RpcStatus | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (parsed && typeof parsed.error === "object" && parsed.error !== null) return parsed.error as RpcStatus;
  } catch {
    // not JSON: the caller quotes the raw text instead
  }
  return undefined;
}

/** "403 PERMISSION_DENIED: The caller does not have permission (reason LEGACY_ACCOUNT)". */
export function describeRpc(httpStatus: number, rpc: RpcStatus | undefined, rawBody: string): string {
  if (!rpc) return `HTTP ${httpStatus}${rawBody ? `: ${rawBody.slice(0, 200)}` : ""}`;
  const reason = rpc.details?.find((d) => d.reason)?.reason;
  return `HTTP ${httpStatus} ${rpc.status ?? "UNKNOWN"}: ${rpc.message ?? "(no message)"}${reason ? ` (reason ${reason})` : ""}`;
}

export const RETRYABLE_RPC = new Set(["RESOURCE_EXHAUSTED", "UNAVAILABLE"]);

export function isRetryableHttp(status: number, rpc: RpcStatus | undefined): boolean {
  return status === 429 || status >= 500 || (rpc?.status !== undefined && RETRYABLE_RPC.has(rpc.status));
}

export const LEGACY_GONE_MESSAGE =
  "The legacy Fitbit Web API answered 410 Gone: it and its OAuth endpoints shut down on 2 Nov 2026. " +
  "Point the API base URL at https://health.googleapis.com/ and the token URL at https://oauth2.googleapis.com/token, " +
  "and have the participant consent again through Google OAuth (Fitbit tokens cannot be migrated)";

/** Maps a final (non-retried) error response to the error the job should end with. */
export function apiFailure(httpStatus: number, rpc: RpcStatus | undefined, rawBody: string, what: string): Error {
  const detail = describeRpc(httpStatus, rpc, rawBody);
  if (httpStatus === 410) return new PermanentSourceError(`${LEGACY_GONE_MESSAGE} (${what}: ${detail})`);
  if (httpStatus === 401) {
    return new PermanentSourceError(
      `${what} was rejected as unauthenticated even with a freshly refreshed access token (${detail}); ` +
        "the participant must re-consent through Google OAuth and the new refresh token must be stored in the token Secret",
    );
  }
  if (httpStatus === 403) {
    return new PermanentSourceError(
      `${what} was denied (${detail}); the participant must re-consent with a Google account (not a legacy Fitbit account) ` +
        "and grant the googlehealth activity_and_fitness, health_metrics_and_measurements and sleep read-only scopes",
    );
  }
  return new GoogleHealthApiError(`${what} failed: ${detail}`, httpStatus, rpc);
}
