// The outreach service end to end on real components: native PostgreSQL, a
// real SMTP server (smtp-server) that receives the mail, and HTTP requests as a
// browser sends them. Bad input: script injection, oversize bodies, missing or
// forged CSRF tokens, floods, SMTP outages.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import pg from "pg";
import { migrate, openDb } from "../../jobs/db/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { databaseContactSource } from "../../outreach/contacts.ts";
import { startRetryLoop, type Delivery } from "../../outreach/delivery.ts";
import { createSmtpMailer, smtpConfigFromEnv, type Mailer } from "../../outreach/mailer.ts";
import { createOutreachMetrics } from "../../outreach/metrics.ts";
import { buildOutreachServer } from "../../outreach/server.ts";
import { seedParticipants } from "../../outreach/testing/database.ts";
import { FormClient, csrfTokenIn } from "../../outreach/testing/form-client.ts";
import { startSmtpSink, type SmtpSink } from "../../outreach/testing/smtp-sink.ts";
import { startNativePostgres, type NativePostgres } from "../harness/postgres.ts";
import { tempDir } from "../harness/processes.ts";

const PARTICIPANTS = [
  { id: "P001", email: "ann.p001@example.org", timeZone: "Europe/Berlin" },
  { id: "P002", email: "bob.p002@example.org" },
  { id: "P003", email: "cy.p003@example.org" },
  { id: "P004", email: "di.p004@example.org" },
  { id: "P005", email: "ed.p005@example.org" },
  { id: "P006", email: "flo.p006@example.org" },
  { id: "P007", email: "gus.p007@example.org" },
  { id: "P008", email: "hal.p008@example.org" },
  { id: "P-NOADDR" },
];
const ADDRESSES = PARTICIPANTS.flatMap((p) => (p.email ? [p.email] : []));

const valid = (participant: string, extra: Record<string, string> = {}) => ({
  participant,
  template: "sync-device",
  message: "Hello, please open the app so your watch can sync. Thank you!",
  requester: "Dr. Researcher",
  ...extra,
});

void describe("outreach service (PostgreSQL + SMTP)", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let pgServer: NativePostgres;
  let pool: pg.Pool;
  let sink: SmtpSink;
  let mailer: Mailer;
  let baseUrl: string;
  let delivery: Delivery;
  let close: () => Promise<void>;
  const logLines: string[] = [];
  const metrics = createOutreachMetrics();
  let ipCounter = 10;
  const newClient = () => new FormClient(baseUrl, `10.0.0.${ipCounter++}`);

  async function rows(participant: string) {
    return (await pool.query("SELECT * FROM contact_requests WHERE participant_id = $1 ORDER BY id", [participant])).rows;
  }

  async function send(client: FormClient, form: Record<string, string>) {
    const page = await client.get(`/contact?participant=${encodeURIComponent(form.participant ?? "")}`);
    return client.post("/contact", { ...form, _csrf: csrfTokenIn(page.body) });
  }

  before(async () => {
    [pgServer, sink] = await Promise.all([startNativePostgres(), startSmtpSink()]);
    pool = (await openDb(pgServer.url, { max: 4, embedded: false })).pool;
    await migrate(pool, { log: createLogger({ name: "migrate", level: "warn" }) });
    await seedParticipants(pool, PARTICIPANTS);
    const logStream = new PassThrough();
    logStream.on("data", (chunk: Buffer) => logLines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
    const log = createLogger({ name: "outreach", level: "debug", destination: logStream });
    mailer = createSmtpMailer(smtpConfigFromEnv({ SMTP_URL: sink.url, SMTP_FROM: "Study team <study@example.org>" }));
    const server = await buildOutreachServer({
      db: pool,
      mailer,
      contacts: databaseContactSource(pool),
      metrics,
      log,
      trustProxy: true,
      rateLimits: { perIp: 1000, postsPerIp: 12, perParticipant: 3 },
    });
    delivery = server.delivery;
    baseUrl = await server.app.listen({ host: "127.0.0.1", port: 0 });
    close = () => server.app.close();
  });

  after(async () => {
    await close?.();
    mailer?.close();
    await pool?.end();
    await Promise.all([pgServer?.stop(), sink?.stop()]);
  });

  void test("a valid submission is stored, sent over SMTP with credentials, and shown as sent", async () => {
    const client = newClient();
    // While the SMTP server holds the message, the row must already be committed as pending.
    let seenDuringSend: unknown;
    sink.beforeAccept = async () => {
      seenDuringSend = (await pool.query("SELECT status, attempts FROM contact_requests WHERE participant_id = 'P001'")).rows;
    };
    const res = await send(client, valid("P001", { message: "Hello Ann,\nplease sync your watch — danke schön! ".repeat(3).trim() }));
    sink.beforeAccept = undefined;
    assert.deepEqual(seenDuringSend, [{ status: "pending", attempts: 1 }], "the row is written before sending");
    assert.equal(res.status, 303);
    const [row] = await rows("P001");
    assert.equal(res.location, `/participants/P001/messages?request=${row.id}`);
    assert.equal(row.status, "sent");
    assert.equal(row.attempts, 1);
    assert.equal(row.requested_by, "Dr. Researcher");
    assert.equal(row.template, "sync-device");
    assert.ok(row.sent_at instanceof Date);
    const [mail] = await sink.waitForMail(1);
    assert.deepEqual(mail!.to, ["ann.p001@example.org"]);
    assert.equal(mail!.headers.subject, "Please sync your wearable");
    assert.equal(mail!.headers["message-id"], `<contact-request-${row.id}@wearable-outreach.invalid>`);
    assert.match(mail!.headers["content-type"] ?? "", /^text\/plain/);
    assert.equal(mail!.text.trim(), row.message);
    assert.match(mail!.text, /danke schön/);
    const history = await client.get(res.location!);
    assert.equal(history.status, 200);
    assert.match(history.body, new RegExp(`Message #${row.id} was sent`));
    assert.match(history.body, /status-sent/);
    assert.doesNotMatch(history.body, /ann\.p001@example\.org/, "the address never appears on a page");
  });

  void test("invalid fields come back next to their inputs, with a linked summary, and nothing is stored", async () => {
    const client = newClient();
    const before = (await pool.query("SELECT count(*)::int AS n FROM contact_requests")).rows[0].n;
    const res = await send(client, { participant: "bad id!", template: "spam", message: "short", requester: "" });
    assert.equal(res.status, 400);
    const expectations: [string, RegExp][] = [
      ["participant", /Participant ID may contain only letters, digits, &quot;\.&quot;, &quot;_&quot; and &quot;-&quot;/],
      ["template", /Choose one of the message templates/],
      ["message", /Message must be at least 10 characters/],
      ["requester", /Your name must be at least 2 characters/],
    ];
    for (const [field, message] of expectations) {
      const error = new RegExp(`<p class="field-error" id="${field}-error"><span class="visually-hidden">Error: </span>([^<]+)</p>`).exec(res.body);
      assert.ok(error, `error paragraph for ${field}`);
      assert.match(error[1]!, message);
      assert.match(res.body, new RegExp(`aria-describedby="${field}-hint ${field}-error"`), `${field} is described by its error`);
    }
    assert.match(res.body, /class="error-summary" role="alert"/);
    assert.match(res.body, /<a href="#field-participant">/);
    assert.match(res.body, /<a href="#field-template-sync-device">/);
    assert.match(res.body, /id="field-participant" name="participant" value="bad id!"/, "the typed value is kept");
    assert.equal((await pool.query("SELECT count(*)::int AS n FROM contact_requests")).rows[0].n, before);
  });

  void test("too long a message, an unknown participant and one without an address are refused by field", async () => {
    const client = newClient();
    const long = await send(client, valid("P002", { message: "x".repeat(2001) }));
    assert.equal(long.status, 400);
    assert.match(long.body, /Message must be at most 2000 characters; shorten it/);
    // The longest message in a non-Latin script fits the body limit (it is not a 413).
    const japanese = await send(client, valid("P007", { message: "お".repeat(2000) }));
    assert.equal(japanese.status, 303);
    assert.equal((await rows("P007"))[0].message, "お".repeat(2000));
    const unknown = await send(client, valid("P999"));
    assert.equal(unknown.status, 400);
    assert.match(unknown.body, /id="participant-error">.*No participant with ID P999; check the ID/);
    const noAddress = await send(client, valid("P-NOADDR"));
    assert.equal(noAddress.status, 400);
    assert.match(noAddress.body, /Participant P-NOADDR has no contact address on file/);
    assert.equal((await rows("P002")).length + (await rows("P-NOADDR")).length, 0);
  });

  void test("the dashboard link with a bad or unknown participant shows the problem at once", async () => {
    const client = newClient();
    const res = await client.get("/contact?participant=P999");
    assert.equal(res.status, 200);
    assert.match(res.body, /No participant with ID P999/);
    const ok = await client.get("/contact?participant=P002&template=charge-device");
    assert.doesNotMatch(ok.body, /class="field-error"/);
    assert.match(ok.body, /value="charge-device" checked/);
    assert.match(ok.body, /Charging it during a daily routine/);
  });

  void test("script injection renders inert on every page and is stored verbatim", async () => {
    const client = newClient();
    const evil = `<script>alert("x")</script><img src=x onerror=alert(1)> "quoted" 'single' & \`tick\``;
    const form = await client.get(`/contact?participant=${encodeURIComponent(`<script>alert(1)</script>`)}`);
    assert.doesNotMatch(form.body, /<script>alert/);
    assert.match(form.body, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    const search = await client.get(`/participants?q=${encodeURIComponent(`"><script>alert(1)</script>`)}`);
    assert.doesNotMatch(search.body, /<script>alert/);
    assert.match(search.body, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    const res = await send(client, valid("P002", { message: evil, requester: `<b onmouseover="alert(2)">Eve</b>` }));
    assert.equal(res.status, 303);
    const [row] = await rows("P002");
    assert.equal(row.message, evil, "stored as typed: escaping happens on output");
    const history = await client.get(res.location!);
    assert.doesNotMatch(history.body, /<script>alert|<img src=x|<b onmouseover/);
    assert.ok(history.body.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &#39;single&#39; &amp; &#96;tick&#96;"));
    // Only our own script element, whose hash the CSP allows, may exist on any page.
    assert.equal((history.body.match(/<script/g) ?? []).length, 0);
    // The validation error page echoes input too.
    const bad = await send(client, { participant: "<svg onload=alert(1)>", template: "sync-device", message: "<script>alert(3)</script>", requester: "x" });
    assert.equal(bad.status, 400);
    assert.doesNotMatch(bad.body, /<svg onload|<script>alert/);
  });

  void test("security headers: strict CSP without outside sources, no framing, no sniffing", async () => {
    const res = await newClient().get("/contact?participant=P001");
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    assert.match(csp, /form-action 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.doesNotMatch(res.body, /https?:\/\//, "no outside assets or links");
    const cookie = res.headers.getSetCookie().join(";");
    assert.match(cookie, /outreach_csrf=.*HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
  });

  void test("an oversize body is refused with 413 and nothing is stored", async () => {
    const client = newClient();
    const page = await client.get("/contact?participant=P003");
    const res = await client.post("/contact", { ...valid("P003", { message: "y".repeat(40_000) }), _csrf: csrfTokenIn(page.body) });
    assert.equal(res.status, 413);
    assert.match(res.body, /Request too large/);
    assert.equal((await rows("P003")).length, 0);
  });

  void test("a missing, forged or cookie-less CSRF token is refused with 403", async () => {
    const client = newClient();
    const page = await client.get("/contact?participant=P003");
    const token = csrfTokenIn(page.body);
    const missing = await client.post("/contact", valid("P003"));
    assert.equal(missing.status, 403);
    assert.match(missing.body, /Form expired/);
    const forged = await client.post("/contact", { ...valid("P003"), _csrf: `${token.slice(0, -4)}AAAA` });
    assert.equal(forged.status, 403);
    const other = newClient();
    const cookieless = await other.post("/contact", { ...valid("P003"), _csrf: token });
    assert.equal(cookieless.status, 403, "a token without its cookie (cross-site post) is refused");
    const retry = await client.post("/messages/1/retry", {});
    assert.equal(retry.status, 403);
    // A JSON body cannot smuggle the token past the form parser either.
    const json = await client.post("/contact", JSON.stringify({ ...valid("P003"), _csrf: token }), "application/json");
    assert.equal(json.status, 415);
    assert.equal((await rows("P003")).length, 0);
  });

  void test("a flood from one IP gets 429, other clients are unaffected", async () => {
    const client = newClient();
    const page = await client.get("/contact?participant=P004");
    const token = csrfTokenIn(page.body);
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      // Invalid on purpose (too short): validation errors count toward the limit too.
      const res = await client.post("/contact", { ...valid("P004", { message: "no" }), _csrf: token });
      statuses.push(res.status);
      if (res.status === 429) {
        assert.match(res.body, /Too many requests/);
        assert.ok(Number(res.headers.get("retry-after")) > 0);
      }
    }
    assert.deepEqual(statuses.slice(0, 12), Array(12).fill(400));
    assert.deepEqual(statuses.slice(12), Array(4).fill(429));
    const other = await send(newClient(), valid("P004"));
    assert.equal(other.status, 303);
  });

  void test("more than the allowed messages to one participant get 429 whatever the IP", async () => {
    const outcomes: number[] = [];
    for (let i = 0; i < 4; i++) outcomes.push((await send(newClient(), valid("P005", { message: `Reminder number ${i} about syncing.` }))).status);
    assert.deepEqual(outcomes, [303, 303, 303, 429]);
    assert.equal((await rows("P005")).length, 3);
  });

  void test("the participant limit holds across replicas: two instances on one database, posts racing, exactly the limit is stored", async () => {
    // A second replica: same database, its own in-memory rate limits (metrics shared, so the totals below still add up).
    const second = await buildOutreachServer({
      db: pool, mailer, contacts: databaseContactSource(pool), metrics, log: createLogger({ name: "outreach-2", level: "silent" }),
      trustProxy: true, rateLimits: { perIp: 1000, postsPerIp: 12, perParticipant: 3 },
    });
    const secondUrl = await second.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const clients = Array.from({ length: 6 }, (_, i) => new FormClient(i % 2 === 0 ? baseUrl : secondUrl, `10.1.0.${i}`));
      const pages = await Promise.all(clients.map((c) => c.get("/contact?participant=P008")));
      const results = await Promise.all(clients.map((c, i) => c.post("/contact", { ...valid("P008", { message: `Reminder ${i} about syncing your watch.` }), _csrf: csrfTokenIn(pages[i]!.body) })));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [303, 303, 303, 429, 429, 429]);
      assert.equal((await rows("P008")).length, 3);
      const limited = results.find((r) => r.status === 429)!;
      assert.match(limited.body, /P008 has already received 3 messages recently/);
      const wait = Number(limited.headers.get("retry-after"));
      assert.ok(wait > 3500 && wait <= 3600, `retry-after ${wait} s: until the oldest of the three leaves the hour`);
    } finally {
      await second.app.close();
    }
  });

  void test("an SMTP outage marks the message failed (address scrubbed); manual and background retries send it once", async () => {
    const client = newClient();
    const mailsBefore = sink.received.length;
    sink.failing = true;
    const res = await send(client, valid("P006"));
    assert.equal(res.status, 303);
    let [row] = await rows("P006");
    assert.equal(row.status, "failed");
    assert.equal(row.attempts, 1);
    assert.match(row.last_error, /^SMTP 451: .*mailbox temporarily unavailable/);
    assert.doesNotMatch(row.last_error, /@/, "the recipient address quoted by the server is scrubbed");
    const history = await client.get(res.location!);
    assert.match(history.body, /could not be delivered: SMTP 451/);
    assert.match(history.body, new RegExp(`action="/messages/${row.id}/retry"`));
    // Still failing: a manual retry counts an attempt and stays failed.
    const retry1 = await client.post(`/messages/${row.id}/retry`, { _csrf: csrfTokenIn(history.body) });
    assert.equal(retry1.status, 303);
    [row] = await rows("P006");
    assert.equal(row.status, "failed");
    assert.equal(row.attempts, 2);
    // The backoff holds the background loop off: a long base delay means nothing is due.
    assert.deepEqual(await delivery.retryDue({ baseSeconds: 3600, maxAttempts: 6, staleSeconds: 600 }), []);
    // The relay recovers; the manual retry sends it.
    sink.failing = false;
    const retry2 = await client.post(`/messages/${row.id}/retry`, { _csrf: csrfTokenIn(history.body) });
    assert.equal(retry2.status, 303);
    [row] = await rows("P006");
    assert.equal(row.status, "sent");
    assert.equal(row.attempts, 3);
    assert.equal(row.last_error, null);
    await sink.waitForMail(mailsBefore + 1);
    // Retrying a sent message does nothing (no second mail).
    await client.post(`/messages/${row.id}/retry`, { _csrf: csrfTokenIn(history.body) });
    assert.equal((await rows("P006"))[0].attempts, 3);

    // Background: fail another one, then let the retry loop pick it up.
    sink.failing = true;
    await send(newClient(), valid("P006", { template: "charge-device", message: "Please charge your watch tonight." }));
    const failed = (await rows("P006"))[1];
    assert.equal(failed.status, "failed");
    sink.failing = false;
    const log = createLogger({ name: "outreach-test", level: "silent" });
    const loop = startRetryLoop(delivery, { baseSeconds: 0, maxAttempts: 6, staleSeconds: 600 }, 100, log);
    const deadline = Date.now() + 10_000;
    while ((await rows("P006"))[1].status !== "sent") {
      assert.ok(Date.now() < deadline, "background retry did not send within 10s");
      await new Promise((r) => setTimeout(r, 100));
    }
    await loop.stop();
    const mails = await sink.waitForMail(mailsBefore + 2);
    assert.equal(mails.filter((m) => m.to[0] === "flo.p006@example.org").length, 2, "each message delivered exactly once");
  });

  void test("a pending row left by a crash is recovered and sent by the retry pass", async () => {
    const { rows: [orphan] } = await pool.query(
      `INSERT INTO contact_requests (participant_id, template, message, status, attempts, requested_by, created_at)
       VALUES ('P004', 'wear-at-night', 'Please wear the watch at night.', 'pending', 1, 'Dr. Crash', now() - interval '1 hour') RETURNING id`,
    );
    const fresh = await pool.query(
      `INSERT INTO contact_requests (participant_id, template, message, status, attempts, requested_by)
       VALUES ('P004', 'wear-at-night', 'Being sent right now.', 'pending', 1, 'Dr. Busy') RETURNING id`,
    );
    const outcomes = await delivery.retryDue({ baseSeconds: 0, maxAttempts: 6, staleSeconds: 600 });
    assert.deepEqual(outcomes, [{ status: "sent" }]);
    const states = await pool.query("SELECT id, status FROM contact_requests WHERE id = ANY($1::bigint[]) ORDER BY id", [[orphan.id, fresh.rows[0].id]]);
    assert.deepEqual(states.rows.map((r) => r.status), ["sent", "pending"], "a recent pending row is left alone");
    await pool.query("DELETE FROM contact_requests WHERE id = $1", [fresh.rows[0].id]);
  });

  void test("the backoff schedule: due once created_at + base * (2^attempts - 1) has passed; none after max attempts", async () => {
    const insert = async (attempts: number, ageSeconds: number) =>
      (await pool.query(
        `INSERT INTO contact_requests (participant_id, template, message, status, attempts, last_error, requested_by, created_at)
         VALUES ('P-NOADDR', 'general', 'Backoff probe message.', 'failed', $1, 'probe', 'Dr. Clock', now() - make_interval(secs => $2))
         RETURNING id::text AS id`,
        [attempts, ageSeconds],
      )).rows[0].id as string;
    // base 60 s: after 2 attempts the next is due 60 * (4 - 1) = 180 s after creation.
    const early = await insert(2, 170);
    const due = await insert(2, 190);
    const exhausted = await insert(6, 86_400);
    const manyManual = await insert(90, 10);
    const { dueForRetry } = await import("../../outreach/store.ts");
    const ids = await dueForRetry(pool, { baseSeconds: 60, maxAttempts: 6, limit: 100 });
    assert.ok(ids.includes(due), "due row is picked");
    assert.ok(!ids.includes(early), "row inside its backoff is not");
    assert.ok(!ids.includes(exhausted), "row at max attempts is left for a manual retry");
    assert.ok(!ids.includes(manyManual), "a huge attempt count neither overflows nor is picked");
    // A participant without an address fails again, with a reason a researcher can act on.
    const outcome = await delivery.retry(due);
    assert.deepEqual(outcome, { status: "failed", error: "No contact address on file for participant P-NOADDR; add one to participant_contacts or the Participant's contact Secret" });
    await pool.query("DELETE FROM contact_requests WHERE id = ANY($1::bigint[])", [[early, due, exhausted, manyManual]]);
  });

  void test("with --requester-header, the signed-in user from the proxy is the requester and cannot be edited", async () => {
    const second = await buildOutreachServer({
      db: pool, mailer, contacts: databaseContactSource(pool), metrics,
      log: createLogger({ name: "outreach", level: "silent" }), requesterHeader: "X-Forwarded-Email",
    });
    const url = await second.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const get = await fetch(`${url}/contact?participant=P004`, { headers: { "x-forwarded-email": "researcher@uni.example" } });
      const body = await get.text();
      assert.match(body, /name="requester" value="researcher@uni.example" autocomplete="name" required readonly/);
      const cookie = get.headers.getSetCookie()[0]!.split(";")[0]!;
      const res = await fetch(`${url}/contact`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded", "x-forwarded-email": "researcher@uni.example" },
        body: new URLSearchParams({ ...valid("P004", { message: "Signed-in researcher writes here." }), requester: "Someone Else", _csrf: csrfTokenIn(body) }).toString(),
      });
      assert.equal(res.status, 303);
      const last = (await rows("P004")).at(-1);
      assert.equal(last.requested_by, "researcher@uni.example");
      assert.equal(last.message, "Signed-in researcher writes here.");
    } finally {
      await second.app.close();
    }
  });

  void test("with the database down the form still opens, a submission says nothing was sent and keeps the text, /readyz is 503", async () => {
    const { freePort } = await import("../../jobs/db/embedded.ts");
    const deadPool = new pg.Pool({ connectionString: `postgres://postgres:postgres@127.0.0.1:${await freePort()}/postgres`, max: 1, connectionTimeoutMillis: 2_000 });
    const down = await buildOutreachServer({
      db: deadPool, mailer, contacts: databaseContactSource(deadPool), metrics,
      log: createLogger({ name: "outreach", level: "silent" }),
    });
    const url = await down.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const client = new FormClient(url);
      const form = await client.get("/contact?participant=P001");
      assert.equal(form.status, 200);
      const message = "Text the researcher must not lose when the database is down.";
      const res = await client.post("/contact", { ...valid("P001", { message }), _csrf: csrfTokenIn(form.body) });
      assert.equal(res.status, 503);
      assert.match(res.body, /could not be saved because the database is unavailable, so nothing was sent/);
      assert.ok(res.body.includes(`>${message}</textarea>`), "the text comes back in the form");
      assert.equal((await client.get("/readyz")).status, 503);
      assert.equal((await client.get("/healthz")).status, 200, "liveness does not depend on the database");
    } finally {
      await down.app.close();
      await deadPool.end();
    }
  });

  void test("list, search and history pages", async () => {
    const client = newClient();
    const list = await client.get("/participants");
    assert.equal(list.status, 200);
    for (const p of PARTICIPANTS) assert.ok(list.body.includes(`<th scope="row">${p.id}</th>`), p.id);
    assert.match(list.body, /href="\/contact\?participant=P001"/);
    const search = await client.get("/participants?q=p00");
    assert.match(search.body, /8 participants match/);
    const literal = await client.get("/participants?q=P_0");
    assert.match(literal.body, /No participants match/, "LIKE wildcards in a search are literal");
    assert.equal((await client.get("/participants/P999/messages")).status, 404);
    assert.equal((await client.get("/participants/..%2F..%2Fetc/messages")).status, 404);
    assert.equal((await client.get("/no/such/page")).status, 404);
    assert.equal((await client.get("/")).location, "/participants");
  });

  void test("/healthz, /readyz and /metrics", async () => {
    const client = newClient();
    assert.equal((await client.get("/healthz")).status, 200);
    assert.equal((await client.get("/readyz")).status, 200);
    const text = (await client.get("/metrics")).body;
    assert.match(text, /outreach_http_requests_total\{route="\/contact",method="POST",code="303"\} \d+/);
    assert.match(text, /outreach_http_requests_total\{route="\/contact",method="POST",code="429"\} \d+/);
    assert.match(text, /outreach_http_requests_total\{route="\/contact",method="POST",code="403"\} \d+/);
    assert.match(text, /outreach_http_requests_total\{route="\/contact",method="POST",code="413"\} \d+/);
    assert.match(text, /outreach_http_request_duration_seconds_bucket\{le="0.1",route="\/participants"\} \d+/);
    const sent = /outreach_messages_total\{status="sent"\} (\d+)/.exec(text);
    const failed = /outreach_messages_total\{status="failed"\} (\d+)/.exec(text);
    const dbSent = (await pool.query("SELECT count(*)::int AS n FROM contact_requests WHERE status = 'sent'")).rows[0].n;
    assert.equal(Number(sent?.[1]), dbSent);
    assert.equal(Number(failed?.[1]), 4, "three failed attempts in the outage test, one in the backoff test");
  });

  void test("no log line carries a participant address or the SMTP password", () => {
    assert.ok(logLines.length > 20, "the service logged");
    const all = logLines.join("\n");
    for (const address of ADDRESSES) assert.ok(!all.includes(address), `log leaks ${address}`);
    assert.ok(!all.includes(sink.password));
    assert.ok(!all.includes("@example.org"));
    for (const line of logLines) JSON.parse(line);
    assert.ok(logLines.some((l) => /"msg":"Contact request delivery failed"/.test(l)));
  });

  void test("`wearable outreach` runs from its flags and env: contacts from a mounted-Secret folder, SMTP from SMTP_URL", async () => {
    const dir = await tempDir("outreach-cli");
    const contacts = join(dir.path, "contacts");
    await mkdir(contacts);
    await pool.query("INSERT INTO participants (participant_id) VALUES ('P-DIR') ON CONFLICT DO NOTHING");
    await writeFile(join(contacts, "P-DIR"), "dir.person@example.net\n");
    const child = spawn(process.execPath, ["bin/wearable.ts", "outreach", "--host", "127.0.0.1", "--port", "0", "--contacts-dir", contacts, "--retry-interval", "1s"], {
      env: { ...process.env, DATABASE_URL: pgServer.url, SMTP_URL: sink.url, SMTP_FROM: "study@example.org", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start line:\n${stderr}`)), 20_000);
        child.stderr.on("data", () => {
          const m = /"url":"(http:\/\/[^"]+)".*"msg":"Outreach service started"/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}:\n${stderr}`)));
      });
      const client = new FormClient(url);
      const before = sink.received.length;
      const res = await send(client, valid("P-DIR"));
      assert.equal(res.status, 303);
      const mails = await sink.waitForMail(before + 1);
      assert.deepEqual(mails.at(-1)!.to, ["dir.person@example.net"]);
      assert.equal((await rows("P-DIR"))[0].status, "sent");
      assert.equal((await client.get("/readyz")).status, 200);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await dir.remove();
    }
    assert.match(stderr, /"msg":"Outreach service stopped"/);
    assert.ok(!stderr.includes("dir.person@example.net"));
    assert.ok(!stderr.includes(sink.password), "SMTP password never logged");
    assert.ok(!stderr.includes("postgres:postgres@"), "database password never logged");
  });
});
