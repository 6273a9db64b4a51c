// A real SMTP server (the `smtp-server` package) on a loopback port that keeps
// what it receives, for tests. It requires AUTH, so a test proves the
// credentials from the environment reach the server, and it can be switched to
// refuse recipients with a temporary failure, as a real relay does when busy.
import { SMTPServer, type SMTPServerAddress } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  headers: Record<string, string>;
  text: string;
}

export interface SmtpSink {
  port: number;
  user: string;
  password: string;
  url: string;
  received: ReceivedMail[];
  /** While true, every RCPT TO is refused with 451 (a temporary failure quoting the address). */
  failing: boolean;
  /** Runs after a message's data arrived and before the server accepts it (the sender is still waiting). */
  beforeAccept?: (mail: ReceivedMail) => Promise<void>;
  waitForMail(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

/** Decodes a quoted-printable body (RFC 2045), as nodemailer writes long or non-ASCII text. */
export function decodeQuotedPrintable(body: string): string {
  const joined = body.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    const hex = joined.slice(i + 1, i + 3);
    if (c === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

export function parseMail(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let text = raw.slice(split + 4);
  const encoding = headers["content-transfer-encoding"]?.toLowerCase();
  if (encoding === "quoted-printable") text = decodeQuotedPrintable(text);
  else if (encoding === "base64") text = Buffer.from(text, "base64").toString("utf8");
  return { headers, text: text.replace(/\r\n/g, "\n") };
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const user = "outreach";
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const sink: SmtpSink = {
    port: 0,
    user,
    password,
    url: "",
    received,
    failing: false,
    async waitForMail(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`SMTP sink: expected ${count} mails, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 100);
          waiters.add(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return received;
    },
    stop: async () => {},
  };
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (sink.failing) {
        callback(Object.assign(new Error(`<${address.address}>: mailbox temporarily unavailable, try again later`), { responseCode: 451 }));
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...parseMail(raw),
        };
        const accept = () => {
          received.push(mail);
          for (const w of waiters) w();
          waiters.clear();
          callback();
        };
        if (!sink.beforeAccept) return accept();
        sink.beforeAccept(mail).then(accept, (err: unknown) => callback(err as Error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.server.address();
  sink.port = typeof addr === "object" && addr ? addr.port : 0;
  sink.url = `smtp://${user}:${encodeURIComponent(password)}@127.0.0.1:${sink.port}`;
  sink.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
