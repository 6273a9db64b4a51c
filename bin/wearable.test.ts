// The CLI contract: every subcommand answers --help (exit 0); an unknown one exits 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const cli = (...args: string[]) => spawnSync(process.execPath, ["bin/wearable.ts", ...args], { encoding: "utf8" });

for (const name of ["operator", "migrate", "ingest", "impute", "impute-csv", "demo", "db", "outreach", "google-health-double"]) {
  test(`wearable ${name} --help prints usage and exits 0`, () => {
    const r = cli(name, "--help");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Usage: wearable ${name}`));
  });
}

test("an unknown subcommand prints usage and exits 2", () => {
  const r = cli("frobnicate");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  assert.match(r.stderr, /Usage: wearable <command>/);
});

test("no subcommand prints usage and exits 2", () => {
  const r = cli();
  assert.equal(r.status, 2);
  assert.match(r.stdout, /Commands:/);
});
