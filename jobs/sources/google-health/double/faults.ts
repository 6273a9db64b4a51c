// Fault injection for the Google Health API double. One-shot faults (an HTTP
// error, a truncated body) are consumed by the next matching requests;
// data faults (an empty day, extra raw points) last until cleared.
import type { WireDataPoint } from "../wire.ts";

export type DoubleFault =
  /** Answer `times` matching requests with `status` (429 storm: status 429, times 10). */
  | { kind: "status"; status: number; times?: number; retryAfterSeconds?: number; target?: "api" | "token"; dataType?: string }
  /** Cut the JSON body of `times` matching successful responses in half. */
  | { kind: "truncate"; times?: number; target?: "api" | "token"; dataType?: string }
  /** Serve no points whose filter time falls on this local date (YYYY-MM-DD) of the participant. */
  | { kind: "empty-day"; date: string; dataType?: string; participantId?: string }
  /** Serve these raw points verbatim at the top of the first page (e.g. bad data). */
  | { kind: "extra-points"; dataType: string; points: WireDataPoint[]; participantId?: string };

export interface RequestInfo {
  target: "api" | "token";
  dataType?: string;
  participantId?: string;
}

type OneShot = Extract<DoubleFault, { kind: "status" | "truncate" }> & { remaining: number };

export class FaultBook {
  private oneShots: OneShot[] = [];
  private data: Extract<DoubleFault, { kind: "empty-day" | "extra-points" }>[] = [];

  add(f: DoubleFault): void {
    validateFault(f);
    if (f.kind === "status" || f.kind === "truncate") this.oneShots.push({ ...f, remaining: f.times ?? 1 });
    else this.data.push(f);
  }

  clear(): void {
    this.oneShots = [];
    this.data = [];
  }

  /** An injected HTTP error for this request, consumed; undefined when none applies. */
  takeStatus(req: RequestInfo): Extract<DoubleFault, { kind: "status" }> | undefined {
    const f = this.take(req, "status");
    return f?.kind === "status" ? f : undefined;
  }

  takeTruncate(req: RequestInfo): boolean {
    return this.take(req, "truncate") !== undefined;
  }

  private take(req: RequestInfo, kind: "status" | "truncate"): OneShot | undefined {
    const f = this.oneShots.find(
      (x) => x.kind === kind && x.remaining > 0 && (x.target ?? "api") === req.target && (x.dataType === undefined || x.dataType === req.dataType),
    );
    if (f) f.remaining--;
    this.oneShots = this.oneShots.filter((x) => x.remaining > 0);
    return f;
  }

  emptyDays(req: RequestInfo): Set<string> {
    return new Set(
      this.data
        .filter((f) => f.kind === "empty-day" && applies(f, req))
        .map((f) => (f as { date: string }).date),
    );
  }

  extraPoints(req: RequestInfo): WireDataPoint[] {
    return this.data.flatMap((f) => (f.kind === "extra-points" && applies(f, req) ? f.points : []));
  }

  pending(): number {
    return this.oneShots.reduce((n, f) => n + f.remaining, 0);
  }
}

function applies(f: { dataType?: string; participantId?: string }, req: RequestInfo): boolean {
  return (f.dataType === undefined || f.dataType === req.dataType) && (f.participantId === undefined || f.participantId === req.participantId);
}

const validTimes = (t: number | undefined) => t === undefined || (Number.isInteger(t) && t > 0);

/** Rejects malformed faults (they also arrive as JSON over the admin endpoint). */
export function validateFault(f: DoubleFault): void {
  const kinds = ["status", "truncate", "empty-day", "extra-points"];
  if (!f || !kinds.includes(f.kind)) throw new Error(`fault.kind must be one of ${kinds.join(", ")}`);
  if (f.kind === "status" && !(Number.isInteger(f.status) && f.status >= 400 && f.status <= 599)) {
    throw new Error("fault.status must be an HTTP error status (400-599)");
  }
  if ((f.kind === "status" || f.kind === "truncate") && !validTimes(f.times)) throw new Error("fault.times must be a positive integer");
  if (f.kind === "empty-day" && !/^\d{4}-\d{2}-\d{2}$/.test(f.date)) throw new Error("fault.date must be YYYY-MM-DD");
  if (f.kind === "extra-points" && !Array.isArray(f.points)) throw new Error("fault.points must be an array of data points");
}
