// A minimal browser-like HTTP client for tests: keeps cookies, reads the CSRF
// token from a served form and posts url-encoded forms, without following
// redirects so tests see the 303s.

export interface FormResponse {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
}

export class FormClient {
  private readonly cookies = new Map<string, string>();
  readonly baseUrl: string;
  /** Sent as X-Forwarded-For, so one test can act as many clients behind a trusted proxy. */
  readonly ip: string | undefined;

  constructor(baseUrl: string, ip?: string) {
    this.baseUrl = baseUrl;
    this.ip = ip;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...extra };
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (this.ip) h["x-forwarded-for"] = this.ip;
    return h;
  }

  private async wrap(res: Response): Promise<FormResponse> {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return { status: res.status, headers: res.headers, body: await res.text(), location: res.headers.get("location") };
  }

  async get(path: string): Promise<FormResponse> {
    return this.wrap(await fetch(this.baseUrl + path, { headers: this.headers(), redirect: "manual" }));
  }

  async post(path: string, form: Record<string, string> | string, contentType = "application/x-www-form-urlencoded"): Promise<FormResponse> {
    const body = typeof form === "string" ? form : new URLSearchParams(form).toString();
    return this.wrap(await fetch(this.baseUrl + path, {
      method: "POST",
      headers: this.headers({ "content-type": contentType }),
      body,
      redirect: "manual",
    }));
  }

  dropCookies(): void {
    this.cookies.clear();
  }
}

/** The CSRF token of the first form on a page. */
export function csrfTokenIn(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error("no CSRF token in the page");
  return m[1];
}
