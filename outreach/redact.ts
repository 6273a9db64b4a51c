// SMTP servers quote the recipient in their errors ("550 <ann@example.org>:
// mailbox unavailable"). Such text ends up in last_error, on the history page
// and in logs, so addresses are replaced before it is stored or logged.

const ADDRESS = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*/g;

export function scrubAddresses(text: string): string {
  return text.replace(ADDRESS, "[address]");
}

/** A short, address-free description of an error for last_error and logs. */
export function describeError(err: unknown, maxLength = 500): string {
  const e = err as { message?: unknown; responseCode?: unknown; code?: unknown } | null;
  const message = typeof e?.message === "string" ? e.message : String(err);
  const code = typeof e?.responseCode === "number" ? `SMTP ${e.responseCode}: ` : typeof e?.code === "string" ? `${e.code}: ` : "";
  const full = scrubAddresses(code + message).replace(/\s+/g, " ").trim();
  return full.length > maxLength ? `${full.slice(0, maxLength - 1)}…` : full;
}
