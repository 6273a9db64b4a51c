// A local HTTP double of the Google Health API v4 and Google's OAuth token
// endpoint, written from the published contract (see
// /work/shared/reference/google-health-api.md): the dataPoints and identity
// paths, the AIP-160 filter subset, opaque page tokens, newest-first order,
// google.rpc.Status error bodies, a per-user 300 requests/minute quota, and
// expiring access tokens. Data comes from the synthetic generator. Tests
// inject faults through injectFault() (or POST /_double/faults).
//
// Conservative choices where the contract is silent:
// - 429 carries no Retry-After unless a fault asks for one (undocumented);
// - only accepted requests count toward the quota;
// - a request without a filter lists the last `historyDays` days;
// - steps are served for every minute, zero counts included;
// - daily filters take "YYYY-MM-DD" values.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createSyntheticSource, type SyntheticSource } from "../../synthetic/index.ts";
import { hash32 } from "../../synthetic/prng.ts";
import type { Metric, RawSample, RawSleepSession } from "../../types.ts";
import { DATA_TYPES, dataTypeByUrl, type DataTypeInfo, type WireDataPoint } from "../wire.ts";
import { FaultBook, validateFault, type DoubleFault, type RequestInfo } from "./faults.ts";
import { encodeSample, encodeSleep, offsetLookup } from "./encode.ts";
import { bounds, FilterError, matches, parseFilter, type FilterNode, type FilterSubject } from "./filter.ts";

export const DOUBLE_SCOPES = [
  "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly",
  "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly",
  "https://www.googleapis.com/auth/googlehealth.sleep.readonly",
];

export interface DoubleUser {
  participantId: string;
  seed: number;
  profile: string;
  timeZone?: string;
  /** Default: a random token. */
  refreshToken?: string;
  healthUserId?: string;
  legacyUserId?: string;
}

export interface GoogleHealthDoubleOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  clientId?: string;
  clientSecret?: string;
  /** Access-token lifetime; Google's is 3600 s. */
  accessTokenLifetimeSeconds?: number;
  /** Return a new refresh token on every refresh and revoke the old one (stricter than Google, to test write-back). */
  rotateRefreshTokens?: boolean;
  quotaPerMinute?: number;
  /** Length of the quota window; 60 s like the API, shorter in tests. */
  quotaWindowMs?: number;
  /** "Now" for the synthetic data (what has synced). Default: the wall clock. */
  now?: () => Date;
  historyDays?: number;
  logger?: Logger;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  dataType?: string;
  participantId?: string;
  filter?: string;
  pageSize?: string;
  hasPageToken?: boolean;
}

export interface DoubleStats {
  apiRequests: number;
  tokenRequests: number;
  accessTokensIssued: number;
  quotaRejections: number;
  byStatus: Record<number, number>;
}

export interface GoogleHealthDouble {
  /** API base URL, ending in "/". */
  url: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  addUser(user: DoubleUser): { refreshToken: string; healthUserId: string };
  /** The refresh token currently valid for a participant (changes when rotation is on). */
  refreshTokenOf(participantId: string): string | undefined;
  injectFault(fault: DoubleFault): void;
  clearFaults(): void;
  /** Every access token issued so far stops working (as if its hour had passed). */
  expireAccessTokens(): void;
  /** The participant's refresh tokens stop working (invalid_grant), as after revoking access. */
  revokeRefreshTokens(participantId: string): void;
  readonly stats: DoubleStats;
  readonly requests: RequestLogEntry[];
  close(): Promise<void>;
}

interface UserState {
  user: Required<Omit<DoubleUser, "refreshToken">>;
  source: SyntheticSource;
  offsetAt: (ms: number) => number;
  accepted: number[];
}

interface Entry {
  start: number;
  encode: () => WireDataPoint;
}

const RPC_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const LEGACY_GONE_BODY = JSON.stringify({
  errors: [{ errorType: "gone", message: "The Fitbit Web API was shut down on 2 Nov 2026. Use the Google Health API." }],
  success: false,
});

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function rpcBody(code: number, message: string, reason?: string): string {
  const details = reason ? [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: "health.googleapis.com", metadata: { service: "health.googleapis.com" } }] : [];
  return JSON.stringify({ error: { code, message, status: RPC_STATUS[code] ?? "UNKNOWN", details } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

class ApiError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  readonly headers: Record<string, string>;
  constructor(code: number, message: string, reason?: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.headers = headers;
  }
}

interface PageCursor {
  fp: number;
  t: number;
  k: number;
}

function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(token: string, fp: number): PageCursor {
  let c: PageCursor;
  try {
    c = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as PageCursor;
  } catch {
    throw new ApiError(400, "Invalid page token.", "INVALID_PAGE_TOKEN");
  }
  if (typeof c?.t !== "number" || typeof c.k !== "number" || c.fp !== fp) {
    throw new ApiError(400, "The page token does not belong to this request; pass the same filter and data type.", "INVALID_PAGE_TOKEN");
  }
  return c;
}

function parsePageSize(text: string | null, info: DataTypeInfo): number {
  if (text === null || text === "" || text === "0") return info.defaultPageSize;
  if (!/^\d+$/.test(text)) throw new ApiError(400, `Invalid value at 'page_size' (TYPE_INT32), "${text}"`);
  return Math.min(Number(text), info.maxPageSize);
}

/** Newest-first keyset page: entries after the cursor, and the cursor for the next page. */
function pageOf(entries: Entry[], size: number, cursor: PageCursor | undefined, fp: number): { page: Entry[]; next?: string } {
  let i = 0;
  if (cursor) {
    while (i < entries.length && entries[i]!.start > cursor.t) i++;
    let skipped = 0;
    while (i < entries.length && entries[i]!.start === cursor.t && skipped < cursor.k) {
      i++;
      skipped++;
    }
  }
  const page = entries.slice(i, i + size);
  const end = i + page.length;
  if (end >= entries.length || page.length === 0) return { page };
  const t = entries[end - 1]!.start;
  let k = 0;
  for (let j = end - 1; j >= 0 && entries[j]!.start === t; j--) k++;
  return { page, next: encodeCursor({ fp, t, k }) };
}

export async function startGoogleHealthDouble(opts: GoogleHealthDoubleOptions = {}): Promise<GoogleHealthDouble> {
  const clientId = opts.clientId ?? "double-client-id.apps.googleusercontent.com";
  const clientSecret = opts.clientSecret ?? "double-client-secret";
  const lifetimeS = opts.accessTokenLifetimeSeconds ?? 3600;
  const quota = opts.quotaPerMinute ?? 300;
  const quotaWindowMs = opts.quotaWindowMs ?? 60_000;
  const historyMs = (opts.historyDays ?? 30) * 86_400_000;
  const dataNow = opts.now ?? (() => new Date());

  const users = new Map<string, UserState>();
  const refreshTokens = new Map<string, { participantId: string; revoked: boolean }>();
  const accessTokens = new Map<string, { participantId: string; expiresAt: number }>();
  const faults = new FaultBook();
  let faultVersion = 0;
  const stats: DoubleStats = { apiRequests: 0, tokenRequests: 0, accessTokensIssued: 0, quotaRejections: 0, byStatus: {} };
  const requests: RequestLogEntry[] = [];
  const listCache = new Map<string, Entry[]>();

  function entriesFor(u: UserState, metric: Metric, filter: FilterNode | undefined, cacheKey: string): Promise<Entry[]> | Entry[] {
    // What is visible changes only with the participant's last sync (and, for unfiltered lists, the history window).
    const key = `${cacheKey}|${u.source.lastSyncAt()?.getTime()}|${Math.floor(dataNow().getTime() / 60_000)}|${faultVersion}`;
    const hit = listCache.get(key);
    if (hit) return hit;
    return buildEntries(u, metric, filter).then((entries) => {
      if (listCache.size >= 8) listCache.delete(listCache.keys().next().value as string);
      listCache.set(key, entries);
      return entries;
    });
  }

  async function buildEntries(u: UserState, metric: Metric, filter: FilterNode | undefined): Promise<Entry[]> {
    const now = dataNow().getTime();
    const hull = filter ? bounds(filter) : { lo: -Infinity, hi: Infinity };
    // An explicit lower bound is honoured however old; without one, list the last historyDays.
    const from = Number.isFinite(hull.lo) ? hull.lo : now - historyMs;
    const window = { from: new Date(from), to: new Date(Math.min(hull.hi, now + 1)) };
    const req: RequestInfo = { target: "api", dataType: DATA_TYPES[metric].url, participantId: u.user.participantId };
    const empty = faults.emptyDays(req);
    const localDay = (ms: number) => new Date(ms + u.offsetAt(ms)).toISOString().slice(0, 10);
    const keep = (s: FilterSubject) => (!filter || matches(filter, s)) && (empty.size === 0 || !empty.has(localDay(s.physical)));
    const out: Entry[] = [];
    if (window.from < window.to) {
      if (metric === "sleep") {
        for await (const page of u.source.sleep(window)) {
          for (const s of page) {
            const end = Date.parse(s.endTime);
            if (keep({ physical: end, civil: end + u.offsetAt(end) })) out.push(sleepEntry(u, s));
          }
        }
      } else {
        const daily = DATA_TYPES[metric].kind === "daily";
        for await (const page of u.source.samples(metric, window)) {
          for (const s of page) {
            const ms = Date.parse(s.time);
            if (keep({ physical: ms, civil: daily ? ms : ms + u.offsetAt(ms) })) out.push(sampleEntry(u, metric, s, ms));
          }
        }
      }
    }
    out.sort((a, b) => b.start - a.start);
    const extras = faults.extraPoints(req).map((p) => ({ start: Number.MAX_SAFE_INTEGER, encode: () => p }));
    return [...extras, ...out];
  }

  const sampleEntry = (u: UserState, metric: Exclude<Metric, "sleep">, s: RawSample, ms: number): Entry => ({
    start: ms,
    encode: () => encodeSample(metric, s, u.offsetAt),
  });
  const sleepEntry = (u: UserState, s: RawSleepSession): Entry => ({
    start: Date.parse(s.startTime),
    encode: () => encodeSleep(s, u.user.healthUserId, u.offsetAt),
  });

  function authenticate(req: IncomingMessage): UserState {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    const challenge = { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' };
    if (!m) {
      throw new ApiError(401, "Request is missing required authentication credential. Expected OAuth 2 access token.", "CREDENTIALS_MISSING", challenge);
    }
    const t = accessTokens.get(m[1]!);
    if (!t || t.expiresAt <= Date.now()) {
      throw new ApiError(401, "Request had invalid authentication credentials. Expected OAuth 2 access token.", "ACCESS_TOKEN_EXPIRED", challenge);
    }
    return users.get(t.participantId)!;
  }

  function checkQuota(u: UserState): void {
    const now = Date.now();
    u.accepted = u.accepted.filter((t) => t > now - quotaWindowMs);
    if (u.accepted.length >= quota) {
      stats.quotaRejections++;
      throw new ApiError(429, `Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'health.googleapis.com'.`, "RATE_LIMIT_EXCEEDED");
    }
    u.accepted.push(now);
  }

  function injectedStatus(res: ServerResponse, info: RequestInfo): boolean {
    const f = faults.takeStatus(info);
    if (!f) return false;
    const headers: Record<string, string> = f.retryAfterSeconds !== undefined ? { "retry-after": String(f.retryAfterSeconds) } : {};
    if (info.target === "token") {
      send(res, f.status, JSON.stringify({ error: f.status === 400 ? "invalid_request" : "temporarily_unavailable", error_description: "Injected fault" }), headers);
    } else if (f.status === 410) {
      send(res, 410, LEGACY_GONE_BODY, headers);
    } else if (f.status === 502) {
      send(res, 502, "<html><body>502 Bad Gateway</body></html>", { ...headers, "content-type": "text/html" });
    } else {
      send(res, f.status, rpcBody(f.status, `Injected fault: HTTP ${f.status}`, f.status === 429 ? "RATE_LIMIT_EXCEEDED" : undefined), headers);
    }
    return true;
  }

  /** Sends `body` (or half of it, when a truncate fault applies). */
  function sendOk(res: ServerResponse, body: string, info: RequestInfo): void {
    if (faults.takeTruncate(info)) body = body.slice(0, Math.floor(body.length / 2));
    send(res, 200, body);
  }

  async function listDataPoints(req: IncomingMessage, res: ServerResponse, url: URL, dataTypeUrl: string, log: RequestLogEntry): Promise<void> {
    const found = dataTypeByUrl(dataTypeUrl);
    if (!found) throw new ApiError(404, `Data type "${dataTypeUrl}" not found.`, "DATA_TYPE_NOT_FOUND");
    const [metric, info] = found;
    log.dataType = info.url;
    const u = authenticate(req);
    log.participantId = u.user.participantId;
    checkQuota(u);
    const reqInfo: RequestInfo = { target: "api", dataType: info.url, participantId: u.user.participantId };
    if (injectedStatus(res, reqInfo)) return;
    const filterText = url.searchParams.get("filter") ?? "";
    log.filter = filterText;
    log.pageSize = url.searchParams.get("pageSize") ?? undefined;
    let filter: FilterNode | undefined;
    try {
      filter = filterText.trim() === "" ? undefined : parseFilter(filterText, info);
    } catch (err) {
      if (err instanceof FilterError) throw new ApiError(400, `Invalid filter: ${err.message}`, "INVALID_DATA_POINT_FILTER");
      throw err;
    }
    const size = parsePageSize(url.searchParams.get("pageSize"), info);
    const fp = hash32(`${u.user.participantId}|${info.url}|${filterText}`);
    const tokenText = url.searchParams.get("pageToken");
    log.hasPageToken = !!tokenText;
    const cursor = tokenText ? decodeCursor(tokenText, fp) : undefined;
    const entries = await entriesFor(u, metric, filter, `${u.user.participantId}|${metric}|${filterText}`);
    const { page, next } = pageOf(entries, size, cursor, fp);
    const body: { dataPoints: WireDataPoint[]; nextPageToken?: string } = { dataPoints: page.map((e) => e.encode()) };
    if (next) body.nextPageToken = next;
    sendOk(res, JSON.stringify(body), reqInfo);
  }

  function identity(req: IncomingMessage, res: ServerResponse, log: RequestLogEntry): void {
    const u = authenticate(req);
    log.participantId = u.user.participantId;
    checkQuota(u);
    const info: RequestInfo = { target: "api", dataType: "identity", participantId: u.user.participantId };
    if (injectedStatus(res, info)) return;
    sendOk(res, JSON.stringify({ name: "users/me/identity", healthUserId: u.user.healthUserId, legacyUserId: u.user.legacyUserId }), info);
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.tokenRequests++;
    const form = new URLSearchParams(await readBody(req));
    const info: RequestInfo = { target: "token" };
    if (injectedStatus(res, info)) return;
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? "");
    const [bId, bSecret] = basic ? Buffer.from(basic[1]!, "base64").toString("utf8").split(":") : [];
    const oauthError = (status: number, error: string, description: string) => send(res, status, JSON.stringify({ error, error_description: description }));
    if (form.get("grant_type") !== "refresh_token") return oauthError(400, "unsupported_grant_type", "Invalid grant_type: only refresh_token is supported by this double.");
    if ((form.get("client_id") ?? bId) !== clientId || (form.get("client_secret") ?? bSecret) !== clientSecret) {
      return oauthError(401, "invalid_client", "The OAuth client was not found.");
    }
    const rt = refreshTokens.get(form.get("refresh_token") ?? "");
    if (!rt || rt.revoked) return oauthError(400, "invalid_grant", "Token has been expired or revoked.");
    const access = `ya29.double-${randomBytes(24).toString("base64url")}`;
    accessTokens.set(access, { participantId: rt.participantId, expiresAt: Date.now() + lifetimeS * 1000 });
    stats.accessTokensIssued++;
    const body: Record<string, unknown> = { access_token: access, expires_in: lifetimeS, token_type: "Bearer", scope: DOUBLE_SCOPES.join(" ") };
    if (opts.rotateRefreshTokens) {
      rt.revoked = true;
      body.refresh_token = newRefreshToken(rt.participantId);
    }
    sendOk(res, JSON.stringify(body), info);
  }

  function newRefreshToken(participantId: string, given?: string): string {
    const t = given ?? `1//double-${randomBytes(24).toString("base64url")}`;
    refreshTokens.set(t, { participantId, revoked: false });
    return t;
  }

  async function admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === "/_double/faults" && req.method === "POST") {
      const text = await readBody(req);
      try {
        double.injectFault(JSON.parse(text) as DoubleFault);
      } catch (err) {
        throw new ApiError(400, `Invalid fault: ${(err as Error).message}`);
      }
    }
    else if (path === "/_double/faults" && req.method === "DELETE") double.clearFaults();
    else if (path === "/_double/expire-access-tokens" && req.method === "POST") double.expireAccessTokens();
    else if (path === "/_double/revoke" && req.method === "POST") double.revokeRefreshTokens((JSON.parse(await readBody(req)) as { participantId: string }).participantId);
    else if (path === "/_double/stats" && req.method === "GET") return send(res, 200, JSON.stringify({ stats, users: [...users.keys()] }));
    else return send(res, 404, rpcBody(404, `No admin endpoint ${req.method} ${path}`));
    res.writeHead(204).end();
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, log: RequestLogEntry): Promise<void> {
    const path = url.pathname;
    if (path === "/token" && req.method === "POST") return token(req, res);
    if (path.startsWith("/_double/")) return admin(req, res, path);
    // The legacy Fitbit Web API (and its OAuth endpoint) answers 410 Gone since the shutdown.
    if (/^\/1(\.\d)?\//.test(path) || path === "/oauth2/token") return send(res, 410, LEGACY_GONE_BODY);
    stats.apiRequests++;
    if (req.method === "GET" && path === "/v4/users/me/identity") return identity(req, res, log);
    const m = /^\/v4\/users\/me\/dataTypes\/([^/:]+)\/dataPoints(:[A-Za-z]+)?$/.exec(path);
    if (m && m[2]) throw new ApiError(501, `Method dataPoints${m[2]} is not implemented by this test double.`);
    if (m && req.method === "GET") return listDataPoints(req, res, url, m[1]!, log);
    throw new ApiError(404, `The requested URL ${path} was not found on this server.`);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://double");
    const log: RequestLogEntry = { method: req.method ?? "GET", path: url.pathname, status: 0 };
    res.on("finish", () => {
      log.status = res.statusCode;
      stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
      requests.push(log);
      if (requests.length > 10_000) requests.splice(0, requests.length - 10_000);
    });
    route(req, res, url, log).catch((err: unknown) => {
      if (err instanceof ApiError) return send(res, err.code, rpcBody(err.code, err.message, err.reason), err.headers);
      opts.logger?.error({ err }, "Google Health double failed a request");
      send(res, 500, rpcBody(500, `Internal error in the test double: ${(err as Error).message}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const base = `http://${host}:${addr.port}/`;

  const double: GoogleHealthDouble = {
    url: base,
    tokenUrl: `${base}token`,
    clientId,
    clientSecret,
    stats,
    requests,
    addUser(user) {
      if (users.has(user.participantId)) throw new Error(`participant ${user.participantId} is already a user of the double`);
      const timeZone = user.timeZone ?? "UTC";
      const source = createSyntheticSource({ participantId: user.participantId, seed: user.seed, profile: user.profile, timeZone, now: dataNow });
      const healthUserId = user.healthUserId ?? `${hash32(`health|${user.participantId}`)}${hash32(`id|${user.seed}`)}`;
      const full = { participantId: user.participantId, seed: user.seed, profile: user.profile, timeZone, healthUserId, legacyUserId: user.legacyUserId ?? hash32(user.participantId).toString(36).toUpperCase() };
      users.set(user.participantId, { user: full, source, offsetAt: offsetLookup(timeZone), accepted: [] });
      return { refreshToken: newRefreshToken(user.participantId, user.refreshToken), healthUserId };
    },
    refreshTokenOf(participantId) {
      for (const [t, v] of refreshTokens) if (v.participantId === participantId && !v.revoked) return t;
      return undefined;
    },
    injectFault(fault) {
      validateFault(fault);
      faults.add(fault);
      faultVersion++;
    },
    clearFaults() {
      faults.clear();
      faultVersion++;
    },
    expireAccessTokens() {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    revokeRefreshTokens(participantId) {
      for (const v of refreshTokens.values()) if (v.participantId === participantId) v.revoked = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return double;
}
