import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MESSAGE_MAX, parseSubmission } from "./submission.ts";

const good = { participant: "P001", template: "wear-at-night", message: "Please wear the watch tonight.", requester: "Dr. A" };

void describe("submission validation", () => {
  void test("a valid form parses, trimming and normalising line endings", () => {
    const r = parseSubmission({ ...good, participant: " P001 ", message: "  Line one\r\nLine two  ", _csrf: "x" });
    assert.deepEqual(r, { ok: true, value: { participant: "P001", template: "wear-at-night", message: "Line one\nLine two", requester: "Dr. A" } });
  });

  void test("each bad field gets one message naming the field and the fix, in form order", () => {
    const r = parseSubmission({ participant: "../etc", template: "spam", message: "hi", requester: "x" });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(Object.keys(r.errors), ["participant", "template", "message", "requester"]);
    assert.match(r.errors.participant!, /^Participant ID may contain only letters, digits/);
    assert.equal(r.errors.template, "Choose one of the message templates");
    assert.match(r.errors.message!, /^Message must be at least 10 characters/);
    assert.equal(r.errors.requester, "Your name must be at least 2 characters");
    assert.deepEqual(r.draft, { participant: "../etc", template: "", message: "hi", requester: "x" });
  });

  void test("limits: message length, control characters, multi-line names, missing and repeated fields", () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...good, message: "x".repeat(MESSAGE_MAX + 1) }, "message", /at most 2000 characters/],
      [{ ...good, message: "Hello\u0000 there friend" }, "message", /control characters/],
      [{ ...good, requester: "Dr\nEvil" }, "requester", /one line/],
      [{ ...good, requester: "x".repeat(101) }, "requester", /at most 100/],
      [{ ...good, participant: "p".repeat(64) }, "participant", /at most 63/],
      [{ ...good, participant: undefined }, "participant", /Enter the participant ID/],
      [{ ...good, participant: ["P001", "P002"] }, "participant", /Enter the participant ID/],
      [{ ...good, message: "          " }, "message", /at least 10/],
    ];
    for (const [form, field, message] of cases) {
      const r = parseSubmission(form);
      assert.equal(r.ok, false, JSON.stringify(form));
      if (!r.ok) assert.match(r.errors[field as keyof typeof r.errors] ?? "", message);
    }
  });

  void test("a non-object body is a set of missing fields, not a crash", () => {
    const r = parseSubmission(null);
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(Object.keys(r.errors), ["participant", "template", "message", "requester"]);
  });
});
