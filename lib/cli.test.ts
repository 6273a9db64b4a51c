// Shared flag parsers: every CLI refuses bad numbers the same way, naming the flag.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration, parsePort, parseWholeNumber, UsageError } from "./cli.ts";

test("parseWholeNumber accepts digits within the range", () => {
  assert.equal(parseWholeNumber("0", "--n"), 0);
  assert.equal(parseWholeNumber("42", "--n", { min: 1, max: 42 }), 42);
});

test("parseWholeNumber refuses non-digits and out-of-range values, naming the flag", () => {
  for (const bad of ["", "-1", "1.5", "1e3", "0x10", " 5", "abc"]) {
    assert.throws(() => parseWholeNumber(bad, "--n"), (err: Error) => err instanceof UsageError && err.message.startsWith(`--n: "${bad}" is not a whole number >= 0`));
  }
  assert.throws(() => parseWholeNumber("0", "--days", { min: 1, max: 90 }), /--days: "0" is not a whole number from 1 to 90/);
  assert.throws(() => parseWholeNumber("91", "--days", { min: 1, max: 90 }), /from 1 to 90/);
});

test("parsePort accepts 0–65535 and refuses the rest", () => {
  assert.equal(parsePort("0"), 0);
  assert.equal(parsePort("65535"), 65535);
  assert.throws(() => parsePort("65536"), /--port: "65536" is not a port number; use 0–65535/);
  assert.throws(() => parsePort("-1", "--metrics-port"), /--metrics-port: "-1" is not a port number/);
});

test("parseDuration reads ms, s, m, h and d", () => {
  assert.equal(parseDuration("120m", "--max-gap"), 7_200_000);
  assert.equal(parseDuration("7d", "--lookback"), 604_800_000);
  assert.throws(() => parseDuration("7 days", "--lookback"), /--lookback: "7 days" is not a duration/);
});
