import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CsvInputError, formatRow, parseSeriesCsv } from "./csv.ts";
import { imputeCsvText } from "./csv-cli.ts";

const args = { metric: "heart_rate" as const, method: "linear" as const, maxGapMs: 120 * 60_000, intervalMs: 60_000 };

void describe("CSV input", () => {
  void it("parses ISO timestamps with zones, CRLF, BOM and empty values as missing", () => {
    const s = parseSeriesCsv("\uFEFFtimestamp,value\r\n2024-01-01T00:00:00Z,60\r\n2024-01-01T01:00:00+01:00,\r\n");
    assert.equal(s.length, 2);
    assert.equal(s[1]!.ts, Date.UTC(2024, 0, 1));
    assert.ok(Number.isNaN(s[1]!.value));
  });

  const bad: [string, string, RegExp][] = [
    ["wrong header", "time,value\n", /line 1: header must be "timestamp,value"/],
    ["missing zone", "timestamp,value\n2024-01-01T00:00:00,60\n", /line 2: timestamp .* ISO-8601 with a zone/],
    ["not a date", "timestamp,value\n2024-13-45T00:00:00Z,60\n", /line 2: timestamp .* not a valid date/],
    ["text value", "timestamp,value\n2024-01-01T00:00:00Z,60\n2024-01-01T00:01:00Z,high\n", /line 3: value "high" is not a number/],
    ["extra field", "timestamp,value\n2024-01-01T00:00:00Z,60,1\n", /line 2: expected 2 fields/],
    ["negative", "timestamp,value\n2024-01-01T00:00:00Z,-5\n", /line 2: value -5 is negative/],
  ];
  for (const [name, text, re] of bad) {
    void it(`rejects ${name} naming the line`, () => {
      assert.throws(() => parseSeriesCsv(text, { nonNegative: true }), (e: unknown) => e instanceof CsvInputError && re.test(e.message));
    });
  }

  void it("formats rows with empty bounds for observed points", () => {
    assert.equal(formatRow({ ts: Date.UTC(2024, 0, 1), value: 61.23456, imputed: false, lower: NaN, upper: NaN }), "2024-01-01T00:00:00Z,61.235,false,,");
  });
});

void describe("imputeCsvText", () => {
  void it("resamples irregular input to the interval and writes one row per grid point", async () => {
    const text = "timestamp,value\n2024-01-01T00:00:10Z,60\n2024-01-01T00:00:40Z,62\n2024-01-01T00:03:05Z,70\n";
    const out = (await imputeCsvText(text, args)).trim().split("\n");
    assert.deepEqual(out, [
      "timestamp,value,imputed,lower,upper",
      "2024-01-01T00:00:00Z,61,false,,",
      "2024-01-01T00:01:00Z,64,true,,",
      "2024-01-01T00:02:00Z,67,true,,",
      "2024-01-01T00:03:00Z,70,false,,",
    ]);
  });

  void it("leaves gaps longer than --max-gap empty", async () => {
    const text = "timestamp,value\n2024-01-01T00:00:00Z,60\n2024-01-01T00:10:00Z,70\n";
    const out = (await imputeCsvText(text, { ...args, maxGapMs: 5 * 60_000 })).trim().split("\n");
    assert.equal(out.length, 12);
    assert.equal(out[5], "2024-01-01T00:04:00Z,,false,,");
  });

  void it("handles an empty body (header only) as an empty series", async () => {
    assert.equal(await imputeCsvText("timestamp,value\n", args), "timestamp,value,imputed,lower,upper\n");
  });
});
