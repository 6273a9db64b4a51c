import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../lib/cli.ts";
import { parseOutreachConfig } from "./config.ts";

const env = { DATABASE_URL: "postgres://u:p@db:5432/w", SMTP_URL: "smtp://mail:25", SMTP_FROM: "study@example.org" };

void describe("wearable outreach flags", () => {
  void test("defaults", () => {
    const c = parseOutreachConfig([], env);
    assert.equal(c.port, 8080);
    assert.equal(c.host, "0.0.0.0");
    assert.deepEqual(c.retry, { baseSeconds: 60, maxAttempts: 6, staleSeconds: 600 });
    assert.equal(c.retryIntervalMs, 30_000);
    assert.equal(c.rateLimits.perParticipant, 5);
    assert.equal(c.rateLimits.participantWindowMs, 3_600_000);
    assert.equal(c.bodyLimit, 32 * 1024);
    assert.equal(c.contactsDir, undefined);
  });

  void test("flags and env override; the embedded database gets one connection", () => {
    const c = parseOutreachConfig(
      ["--port=9090", "--contacts-dir", "/contacts", "--retry-base", "30s", "--max-attempts", "3", "--rate-limit-participant", "2", "--trust-proxy", "--requester-header", "x-forwarded-email"],
      { ...env, OUTREACH_PARTICIPANT_NAMESPACE: "study" },
    );
    assert.equal(c.port, 9090);
    assert.equal(c.contactsDir, "/contacts");
    assert.equal(c.participantNamespace, "study");
    assert.equal(c.retry.baseSeconds, 30);
    assert.equal(c.retry.maxAttempts, 3);
    assert.equal(c.rateLimits.perParticipant, 2);
    assert.equal(c.trustProxy, true);
    assert.equal(c.requesterHeader, "x-forwarded-email");
  });

  void test("without any SMTP variable the service still starts (deliveries fail and are kept)", () => {
    assert.equal(parseOutreachConfig([], { DATABASE_URL: env.DATABASE_URL }).smtp, null);
  });

  void test("bad values are usage errors naming the flag", () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], { SMTP_URL: "smtp://m", SMTP_FROM: "a@b.c" }, /--database-url: DATABASE_URL is not set/],
      [["--database-url", "mysql://x"], env, /--database-url: DATABASE_URL must start with postgres:\/\//],
      [["--port", "70000"], env, /--port: "70000" is not a port number/],
      [["--max-attempts", "0"], env, /--max-attempts: "0" is not a whole number/],
      [["--retry-base", "soon"], env, /--retry-base: "soon" is not a duration/],
      [["--requester-header", "x y"], env, /--requester-header: "x y" is not an HTTP header name/],
      [["--body-limit", "99999999"], env, /--body-limit/],
      [["--bogus"], env, /Unknown option '--bogus'/],
      [[], { DATABASE_URL: "postgres://x", SMTP_HOST: "h" }, /SMTP_FROM is required/],
    ];
    for (const [argv, e, message] of cases) {
      assert.throws(() => parseOutreachConfig(argv, e), (err: Error) => err instanceof UsageError && message.test(err.message), argv.join(" "));
    }
  });
});
