import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../lib/cli.ts";
import { buildMail, smtpConfigFromEnv, smtpUnconfigured } from "./mailer.ts";
import type { ContactRequest } from "./store.ts";

void describe("SMTP settings from the environment", () => {
  void test("SMTP_URL with credentials", () => {
    const c = smtpConfigFromEnv({ SMTP_URL: "smtp://user%40x:p%2Fw@mail.example.org:2525", SMTP_FROM: "study@example.org" });
    assert.deepEqual(
      { host: (c.transport as { host: string }).host, port: (c.transport as { port: number }).port, secure: (c.transport as { secure: boolean }).secure, auth: (c.transport as { auth: unknown }).auth },
      { host: "mail.example.org", port: 2525, secure: false, auth: { user: "user@x", pass: "p/w" } },
    );
    assert.equal(c.describe, "smtp://mail.example.org:2525", "no credentials in the description");
    assert.equal((smtpConfigFromEnv({ SMTP_URL: "smtps://h", SMTP_FROM: "a@b.c" }).transport as { port: number }).port, 465);
  });

  void test("SMTP_HOST and friends; port 465 implies TLS", () => {
    const c = smtpConfigFromEnv({ SMTP_HOST: "h", SMTP_PORT: "465", SMTP_USER: "u", SMTP_PASSWORD: "p", SMTP_FROM: "a@b.c" });
    assert.equal((c.transport as { secure: boolean }).secure, true);
    assert.deepEqual((c.transport as { auth: unknown }).auth, { user: "u", pass: "p" });
  });

  void test("bad settings name the variable to fix", () => {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ SMTP_HOST: "h" }, /SMTP_FROM is required/],
      [{ SMTP_FROM: "a@b.c" }, /Set SMTP_URL, or SMTP_HOST/],
      [{ SMTP_URL: "http://x", SMTP_FROM: "a@b.c" }, /SMTP_URL must start with smtp:\/\//],
      [{ SMTP_URL: "not a url", SMTP_FROM: "a@b.c" }, /SMTP_URL is not a URL/],
      [{ SMTP_HOST: "h", SMTP_PORT: "x", SMTP_FROM: "a@b.c" }, /SMTP_PORT must be a port number/],
      [{ SMTP_HOST: "h", SMTP_USER: "u", SMTP_FROM: "a@b.c" }, /SMTP_USER is set but SMTP_PASSWORD is not/],
      [{ SMTP_HOST: "h", SMTP_SECURE: "yes", SMTP_FROM: "a@b.c" }, /SMTP_SECURE must be true or false/],
    ];
    for (const [env, message] of cases) assert.throws(() => smtpConfigFromEnv(env), (err: Error) => err instanceof UsageError && message.test(err.message));
  });

  void test("no SMTP variable at all means unconfigured, one variable does not", () => {
    assert.equal(smtpUnconfigured({ PATH: "/bin" }), true);
    assert.equal(smtpUnconfigured({ SMTP_FROM: "a@b.c" }), false);
  });
});

void describe("buildMail", () => {
  void test("plain text with the template's subject and a stable Message-ID", () => {
    const request: ContactRequest = {
      id: "42", participantId: "P001", template: "charge-device", message: "Charge it, please.", status: "pending",
      attempts: 1, lastError: null, requestedBy: "Dr. A", createdAt: new Date(0), sentAt: null,
    };
    assert.deepEqual(buildMail(request, "p@example.org", "study.example.org"), {
      to: "p@example.org",
      subject: "Please charge your wearable",
      text: "Charge it, please.\n",
      messageId: "<contact-request-42@study.example.org>",
    });
  });
});
