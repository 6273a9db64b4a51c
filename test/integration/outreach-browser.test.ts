// The outreach pages in a real browser (Debian Chromium via playwright-core)
// against the embedded TimescaleDB and a real SMTP server: keyboard-only form
// filling, server-side validation errors next to their fields, the template
// script allowed by the CSP hash (and nothing else), failed delivery and retry.
// Screenshots land in /tmp/outreach-screenshots/ for a person to look at.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import type pg from "pg";
import { chromium, type Browser, type Page } from "playwright-core";
import { startEmbeddedDb, type EmbeddedDb } from "../../jobs/db/embedded.ts";
import { migrate, openDb } from "../../jobs/db/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { databaseContactSource } from "../../outreach/contacts.ts";
import { createSmtpMailer, smtpConfigFromEnv, type Mailer } from "../../outreach/mailer.ts";
import { createOutreachMetrics } from "../../outreach/metrics.ts";
import { buildOutreachServer } from "../../outreach/server.ts";
import { seedParticipants } from "../../outreach/testing/database.ts";
import { startSmtpSink, type SmtpSink } from "../../outreach/testing/smtp-sink.ts";
import { TEMPLATES } from "../../outreach/templates.ts";

const SHOTS = "/tmp/outreach-screenshots";

// The few browser globals the page.evaluate callbacks use, declared in this
// module instead of adding the DOM lib to the whole Node project's typecheck.
interface El {
  id: string;
  tagName: string;
  textContent: string | null;
  className: string;
  value?: string;
  classList: { contains(name: string): boolean };
  getAttribute(name: string): string | null;
  closest(selector: string): El | null;
  compareDocumentPosition(other: El): number;
}
declare const document: {
  activeElement: El | null;
  title: string;
  body: El;
  documentElement: { scrollWidth: number; clientWidth: number };
  getElementById(id: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
};
declare const getComputedStyle: (el: El) => { backgroundColor: string };
declare const Node: { DOCUMENT_POSITION_FOLLOWING: number };
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

void describe("outreach pages in Chromium (embedded TimescaleDB + SMTP)", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let db: EmbeddedDb;
  let pool: pg.Pool;
  let sink: SmtpSink;
  let mailer: Mailer;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let close: () => Promise<void>;
  const consoleProblems: string[] = [];

  /** Presses Tab until the element with this id has focus (fails after 30 presses). */
  async function tabTo(id: string): Promise<void> {
    for (let i = 0; i < 30; i++) {
      if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
      await page.keyboard.press("Tab");
    }
    assert.fail(`could not reach #${id} with the Tab key`);
  }

  async function pressAndNavigate(key: string): Promise<void> {
    await Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);
  }

  async function replaceText(id: string, text: string): Promise<void> {
    await tabTo(id);
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Backspace");
    if (text) await page.keyboard.insertText(text);
  }

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    [db, sink, browser] = await Promise.all([
      startEmbeddedDb(),
      startSmtpSink(),
      chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS }),
    ]);
    // The shared factory sizes the pool for the embedded server (one connection).
    const opened = await openDb(db.url, { embedded: true });
    pool = opened.pool;
    await migrate(pool, { log: createLogger({ name: "migrate", level: "warn" }) });
    await seedParticipants(pool, [
      { id: "P001", email: "ann.p001@example.org", timeZone: "Europe/Berlin" },
      { id: "P002", email: "bob.p002@example.org", timeZone: "America/New_York" },
      { id: "P003", email: "cy.p003@example.org", timeZone: "Asia/Tokyo" },
      { id: "P010", email: "dee.p010@example.org" },
    ]);
    mailer = createSmtpMailer(smtpConfigFromEnv({ SMTP_URL: sink.url, SMTP_FROM: "study@example.org" }));
    const server = await buildOutreachServer({
      db: pool,
      mailer,
      contacts: databaseContactSource(pool),
      metrics: createOutreachMetrics(),
      log: createLogger({ name: "outreach", level: "error" }),
    });
    baseUrl = await server.app.listen({ host: "127.0.0.1", port: 0 });
    close = () => server.app.close();
    // A fresh context is a fresh profile: no cookies or cache from anywhere else.
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    page.on("console", (msg) => {
      // HTTP error statuses (the 400 of a rejected form) are expected; script errors and CSP refusals are not.
      if (/^Failed to load resource/.test(msg.text())) return;
      if (msg.type() === "error" || /Content Security Policy/i.test(msg.text())) consoleProblems.push(msg.text());
    });
    page.on("pageerror", (err) => consoleProblems.push(err.message));
  });

  after(async () => {
    await browser?.close();
    await close?.();
    mailer?.close();
    await pool?.end();
    await Promise.all([db?.stop(), sink?.stop()]);
  });

  void test("every control of the contact form is reachable with Tab, in reading order", async () => {
    await page.goto(`${baseUrl}/contact?participant=P001`);
    const order: string[] = [];
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press("Tab");
      order.push(await page.evaluate(() => {
        const el = document.activeElement;
        return el?.id || `${el?.tagName.toLowerCase()}:${el?.textContent?.trim()}`;
      }));
    }
    assert.deepEqual(order, [
      "a:Skip to main content", "a:Study outreach", "a:Participants", "a:Write to a participant",
      "a:Message history for P001", "field-participant", "field-template-sync-device", "field-message",
      "field-requester", "button:Send message",
    ]);
    // The inline stylesheet and script ran: their CSP hashes match, nothing was refused.
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(247, 248, 250)");
    await page.screenshot({ path: `${SHOTS}/contact-form.png`, fullPage: true });
  });

  void test("a template is chosen with the arrow keys and fills in its text until the researcher edits it", async () => {
    await page.goto(`${baseUrl}/contact?participant=P002`);
    await tabTo("field-template-sync-device");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "field-template-wear-at-night");
    assert.equal(await page.inputValue("#field-message"), TEMPLATES["wear-at-night"].body);
    await tabTo("field-message");
    await page.keyboard.press("ControlOrMeta+End");
    await page.keyboard.insertText(" PS: thanks!");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "field-template-charge-device");
    assert.match(await page.inputValue("#field-message"), /PS: thanks!$/, "edited text is never replaced");
  });

  void test("server-side validation errors appear next to their fields, described and summarised", async () => {
    await page.goto(`${baseUrl}/contact?participant=P001`);
    await replaceText("field-message", "Too short");
    await tabTo("field-requester");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Send message");
    await pressAndNavigate("Enter");
    const report = await page.evaluate(() => {
      const field = (id: string) => {
        const input = document.getElementById(id)!;
        const ids = (input.getAttribute("aria-describedby") ?? "").split(" ");
        const error = ids.map((i) => document.getElementById(i)).find((e) => e?.classList.contains("field-error"));
        return {
          invalid: input.getAttribute("aria-invalid"),
          error: error?.textContent ?? null,
          sameField: !!error && error.closest(".field") === input.closest(".field"),
          errorBeforeInput: !!error && !!(error.compareDocumentPosition(input) & Node.DOCUMENT_POSITION_FOLLOWING),
        };
      };
      return {
        focused: document.activeElement?.className,
        title: document.title,
        summary: [...document.querySelectorAll(".error-summary a")].map((a) => [a.getAttribute("href"), a.textContent]),
        message: field("field-message"),
        requester: field("field-requester"),
        participant: field("field-participant"),
        keptMessage: document.getElementById("field-message")?.value,
      };
    });
    assert.equal(report.focused, "error-summary", "the summary takes focus so screen readers announce it");
    assert.match(report.title, /^Error: /);
    assert.deepEqual(report.summary, [
      ["#field-message", "Message must be at least 10 characters; write a few words to the participant"],
      ["#field-requester", "Your name must be at least 2 characters"],
    ]);
    assert.deepEqual(report.message, { invalid: "true", error: "Error: Message must be at least 10 characters; write a few words to the participant", sameField: true, errorBeforeInput: true });
    assert.deepEqual(report.requester, { invalid: "true", error: "Error: Your name must be at least 2 characters", sameField: true, errorBeforeInput: true });
    assert.deepEqual(report.participant, { invalid: null, error: null, sameField: false, errorBeforeInput: false });
    assert.equal(report.keptMessage, "Too short");
    await page.screenshot({ path: `${SHOTS}/contact-errors.png`, fullPage: true });
    // The summary's links are keyboard-reachable and lead to the field.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    assert.match(page.url(), /#field-message$/);

    // Fix both fields with the keyboard and send.
    await replaceText("field-message", "Hello Ann,\nplease open the app so your watch can sync. Thank you!");
    await replaceText("field-requester", "Dr. Keyboard");
    await page.keyboard.press("Tab");
    await pressAndNavigate("Enter");
    assert.match(page.url(), /\/participants\/P001\/messages\?request=\d+$/);
    assert.match(await page.locator(".notice").textContent() ?? "", /Message #\d+ was sent\./);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("notice")), true);
    const [mail] = await sink.waitForMail(1);
    assert.deepEqual(mail!.to, ["ann.p001@example.org"]);
    assert.match(mail!.text, /please open the app so your watch can sync/);
    await page.screenshot({ path: `${SHOTS}/history-sent.png`, fullPage: true });
  });

  void test("injected script and markup render as text and never run", async () => {
    await page.goto(`${baseUrl}/contact?participant=P002`);
    const evil = `<script>document.title="pwned"</script><img src=x onerror="document.title='pwned'"> hello`;
    await replaceText("field-message", evil);
    await replaceText("field-requester", `<b>Mallory</b>`);
    await page.keyboard.press("Tab");
    await pressAndNavigate("Enter");
    assert.notEqual(await page.title(), "pwned");
    assert.equal(await page.locator("td.message").first().textContent(), evil);
    assert.equal(await page.locator("img").count(), 0);
    assert.equal(await page.locator("b").count(), 0);
    await page.goto(`${baseUrl}/contact?participant=${encodeURIComponent(`"><script>document.title="pwned"</script>`)}`);
    assert.notEqual(await page.title(), "pwned");
    assert.equal(await page.inputValue("#field-participant"), `"><script>document.title="pwned"</script>`);
    await page.screenshot({ path: `${SHOTS}/contact-injection.png`, fullPage: true });
  });

  void test("a failed delivery shows why, and the Retry button sends it once the relay is back", async () => {
    sink.failing = true;
    await page.goto(`${baseUrl}/contact?participant=P003`);
    await replaceText("field-requester", "Dr. Retry");
    await page.keyboard.press("Tab");
    await pressAndNavigate("Enter");
    assert.match(await page.locator(".notice").textContent() ?? "", /could not be delivered: SMTP 451: .*<\[address\]>: mailbox temporarily unavailable/);
    assert.equal(await page.locator(".status-failed").count(), 1);
    await page.screenshot({ path: `${SHOTS}/history-failed.png`, fullPage: true });
    sink.failing = false;
    const before = sink.received.length;
    await page.locator("button", { hasText: "Retry" }).focus();
    await pressAndNavigate("Enter");
    assert.match(await page.locator(".notice").textContent() ?? "", /was sent/);
    assert.equal(await page.locator(".status-sent").count(), 1);
    assert.equal(await page.locator("td", { hasText: /^2$/ }).count(), 1, "two attempts recorded");
    await sink.waitForMail(before + 1);
    await page.screenshot({ path: `${SHOTS}/history-retried.png`, fullPage: true });
  });

  void test("a form whose CSRF cookie is gone (expired session, cross-site post) is refused with a page that says what to do", async () => {
    await page.goto(`${baseUrl}/contact?participant=P001`);
    await page.context().clearCookies();
    await replaceText("field-requester", "Dr. Stale");
    await page.keyboard.press("Tab");
    const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    assert.equal(response?.status(), 403);
    assert.equal(await page.locator("h1").textContent(), "Form expired");
    assert.match(await page.locator("main").textContent() ?? "", /Reload the form and send it again/);
    await page.screenshot({ path: `${SHOTS}/csrf-refused.png`, fullPage: true });
  });

  void test("participant list and search work with the keyboard", async () => {
    await page.goto(`${baseUrl}/participants`);
    assert.equal(await page.locator("tbody tr").count(), 4);
    await page.screenshot({ path: `${SHOTS}/participants.png`, fullPage: true });
    await tabTo("field-q");
    await page.keyboard.insertText("P01");
    await pressAndNavigate("Enter");
    assert.equal(await page.locator("tbody tr").count(), 1);
    assert.match(await page.locator("[role=status]").textContent() ?? "", /1 participant match “P01”/);
    // The dashboard link pattern: Write -> /contact?participant=P010.
    await page.getByRole("link", { name: "Write to P010" }).focus();
    await pressAndNavigate("Enter");
    assert.equal(new URL(page.url()).search, "?participant=P010");
    assert.equal(await page.inputValue("#field-participant"), "P010");
  });

  void test("the form is usable on a narrow screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}/contact?participant=P001`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, "no horizontal scrolling");
    await page.screenshot({ path: `${SHOTS}/contact-narrow.png`, fullPage: true });
    // The history table scrolls inside its own keyboard-focusable region, not the page.
    await page.goto(`${baseUrl}/participants/P003/messages`);
    await page.screenshot({ path: `${SHOTS}/history-narrow.png`, fullPage: true });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  });

  void test("no page logged a script error or a Content-Security-Policy violation", () => {
    assert.deepEqual(consoleProblems, []);
  });
});
