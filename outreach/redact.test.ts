import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { describeError, scrubAddresses } from "./redact.ts";

void describe("address scrubbing", () => {
  void test("replaces every address, keeps the rest", () => {
    assert.equal(scrubAddresses("550 <ann.o'neil+x@mail.example.org>: no such user; cc bob@x.io"), "550 <[address]>: no such user; cc [address]");
  });

  void test("describeError adds the SMTP code, scrubs, collapses whitespace and truncates", () => {
    const err = Object.assign(new Error("Mailbox\n  full for a@b.example"), { responseCode: 452 });
    assert.equal(describeError(err), "SMTP 452: Mailbox full for [address]");
    assert.equal(describeError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })), "ECONNREFUSED: refused");
    assert.equal(describeError(new Error("x".repeat(600))).length, 500);
    assert.equal(describeError("plain"), "plain");
  });
});
