import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { contactPage } from "./contact-page.ts";
import { CONTENT_SECURITY_POLICY } from "./layout.ts";

const draft = { participant: "P001", template: "sync-device" as const, message: "Hello there, sync please", requester: "" };

void describe("contact page", () => {
  void test("the CSP allows exactly the inline stylesheet and script the page carries", () => {
    const page = contactPage({ draft, errors: {}, csrfToken: "t" });
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    assert.equal(scripts.length, 1);
    const hash = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;
    assert.ok(CONTENT_SECURITY_POLICY.includes(`style-src ${hash(style)}`));
    assert.ok(CONTENT_SECURITY_POLICY.includes(`script-src ${hash(scripts[0]!)}`));
  });

  void test("an error sits before its input, inside the same field, and the input points at it", () => {
    const page = contactPage({ draft, errors: { requester: "Your name must be at least 2 characters" }, csrfToken: "t" });
    const field = /<div class="field has-error">\s*<label for="field-requester">[\s\S]*?<\/div>/.exec(page)![0];
    assert.match(field, /<p class="field-error" id="requester-error"><span class="visually-hidden">Error: <\/span>Your name must be at least 2 characters<\/p>\s*<input[^>]*id="field-requester"[^>]*aria-describedby="requester-hint requester-error"[^>]*aria-invalid="true"/);
    assert.match(page, /<title>Error: Write to a participant/);
    assert.match(page, /<li><a href="#field-requester">Your name must be at least 2 characters<\/a><\/li>/);
  });

  void test("template texts embedded as JSON cannot close their script element", () => {
    const page = contactPage({ draft, errors: {}, csrfToken: "t" });
    const json = /<script type="application\/json" id="template-texts">([\s\S]*?)<\/script>/.exec(page)![1]!;
    assert.doesNotMatch(json, /[<>&]/);
    assert.equal(Object.keys(JSON.parse(json) as object).length, 4);
  });
});
