// Runs the real CLI in a child process: stdout must be pure CSV even when the
// ARIMA native code prints (WEARABLE_ARIMA_TEST_PRINT makes the worker print
// before every fit), and malformed input must exit 2 naming the line.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { MINUTE_MS } from "./series.ts";
import { synthesize } from "./synthetic.ts";

const BIN = join(import.meta.dirname, "../../bin/wearable.ts");
const dir = mkdtempSync(join(tmpdir(), "impute-csv-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, "impute-csv", ...args], {
    input,
    encoding: "utf8",
    env: { ...process.env, WEARABLE_ARIMA_TEST_PRINT: "1", LOG_LEVEL: "silent" },
  });
}

function csvFromSynthetic(): string {
  const d = synthesize({ seed: 21, days: 1, dropoutsPerDay: 8, nonWearPerDay: 0 });
  const rows = d.hrSamples.map((s) => `${new Date(s.ts).toISOString()},${s.value}`);
  return `timestamp,value\n${rows.join("\n")}\n`;
}

void describe("wearable impute-csv", () => {
  void it("writes clean CSV to stdout with --method arima although the native code prints", () => {
    const r = cli(["--metric", "heart_rate", "--method", "arima", "--input", "-", "--output", "-"], csvFromSynthetic());
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines[0], "timestamp,value,imputed,lower,upper");
    assert.equal(lines.length - 1, 1440);
    for (const l of lines.slice(1)) assert.match(l, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z,[\d.]*,(true|false),[\d.]*,[\d.]*$/);
    assert.ok(lines.some((l) => l.includes(",true,")), "some points imputed");
    assert.ok(!r.stdout.includes("chatter"));
  });

  void it("reads and writes files, steps as whole counts", () => {
    const input = join(dir, "steps.csv");
    const output = join(dir, "out.csv");
    const t0 = Date.UTC(2024, 0, 1, 9);
    const rows = Array.from({ length: 240 }, (_, i) => `${new Date(t0 + i * MINUTE_MS).toISOString()},${i >= 100 && i < 110 ? "" : (i * 37) % 50}`);
    writeFileSync(input, `timestamp,value\n${rows.join("\n")}\n`);
    const r = cli(["--metric", "steps", "--input", input, "--output", output]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
    const out = readFileSync(output, "utf8").trim().split("\n");
    const gapRows = out.slice(101, 111);
    assert.ok(gapRows.every((l) => /,\d+,true,\d+,\d+$/.test(l)), gapRows.join("\n"));
  });

  void it("exits 2 naming the line for malformed input", () => {
    const r = cli(["--metric", "heart_rate", "--input", "-", "--output", "-"], "timestamp,value\n2024-01-01T00:00:00Z,60\n2024-01-01T00:01:00Z,x\n");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /stdin: line 3: value "x" is not a number/);
    assert.equal(r.stdout, "");
  });

  void it("exits 2 for bad flags with a message naming the flag", () => {
    const r = cli(["--metric", "spo2", "--input", "-", "--output", "-"], "");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--metric: "spo2" is not supported/);
    const r2 = cli(["--metric", "steps", "--max-gap", "soon", "--input", "-", "--output", "-"], "");
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /--max-gap: "soon" is not a duration/);
  });

  void it("exits 2 when the input file does not exist", () => {
    const r = cli(["--metric", "steps", "--input", join(dir, "nope.csv"), "--output", "-"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot read --input/);
  });
});
