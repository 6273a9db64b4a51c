// The parts of the kind path that cannot run here (no Docker) are still read
// by real linters: shellcheck on every shell script (hack/e2e-kind.sh among
// them) and actionlint on the CI workflow, which also shellchecks its `run:`
// blocks. Each linter is first shown to reject a known-bad input, so a linter
// that silently checks nothing fails the test.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, test } from "node:test";
import { toolsBinDir } from "../harness/control-plane.ts";

const repoRoot = resolve(import.meta.dirname, "../..");

function shellScripts(): string[] {
  const found: string[] = [];
  for (const dir of ["hack", ".ci"]) {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      if (path.includes(`${join("hack", "tools")}`)) continue;
      const head = readFileSync(path, "utf8").slice(0, 40);
      if (entry.name.endsWith(".sh") || /^#!.*\b(ba)?sh\b/.test(head)) found.push(path);
    }
  }
  return found.sort();
}

function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8", input });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

void describe("linters on what cannot run here", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  test("shellcheck: every shell script in hack/ and .ci/ is clean", () => {
    const bad = run("shellcheck", ["-"], "#!/bin/sh\nrm -rf $DIR/*\n");
    assert.notEqual(bad.code, 0, "shellcheck rejects an unquoted variable");
    const scripts = shellScripts();
    assert.ok(scripts.some((s) => s.endsWith("hack/e2e-kind.sh")) && scripts.some((s) => s.endsWith(".ci/run")), scripts.join(" "));
    const r = run("shellcheck", ["--external-sources", ...scripts]);
    assert.equal(r.code, 0, `${scripts.map((s) => relative(repoRoot, s)).join(", ")}:\n${r.out}`);
  });

  test("actionlint: the e2e-kind workflow is valid, its run: blocks included", () => {
    const actionlint = join(toolsBinDir(), "actionlint");
    const bad = run(actionlint, ["-no-color", "-oneline", "-"], "on: push\njobs:\n  x:\n    steps:\n      - run: echo $UNQUOTED\n");
    assert.notEqual(bad.code, 0, "actionlint rejects a job without runs-on");
    assert.match(bad.out, /runs-on/);
    const r = run(actionlint, ["-no-color", "-oneline"]);
    assert.equal(r.code, 0, r.out);
  });
});
