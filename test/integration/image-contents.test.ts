// The Dockerfile cannot be built here (no Docker engine), so this test builds
// the image's file tree the way the Dockerfile does — the same COPY lines,
// `npm ci --omit=dev --ignore-scripts`, test files removed — and checks that
// every `wearable` command module loads from it. It catches a production
// module importing a devDependency, or a source folder the Dockerfile forgot.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir } from "../harness/processes.ts";

const repoRoot = resolve(import.meta.dirname, "../..");

/** `COPY <src> <dest>` lines of the runtime stage that copy from the build context. */
export function contextCopies(dockerfile: string): Array<{ src: string; dest: string }> {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  return [...runtime.matchAll(/^COPY\s+(?!--from)(\S+)\s+(\S+)\s*$/gm)].map((m) => ({ src: m[1]!, dest: m[2]! }));
}

function removeTests(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === "node_modules") continue;
    if (statSync(path).isDirectory()) removeTests(path);
    else if (entry.endsWith(".test.ts") || entry.endsWith(".snapshot")) rmSync(path);
  }
}

describe("image contents (Dockerfile without Docker)", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  test("the runtime stage copies the CLI and every folder a command module lives in", () => {
    const copies = contextCopies(readFileSync(join(repoRoot, "Dockerfile"), "utf8")).map((c) => c.src);
    for (const needed of ["package.json", "bin", "lib", "operator/src", "jobs", "outreach"]) {
      assert.ok(copies.includes(needed), `Dockerfile copies ${needed}`);
    }
  });

  test("every wearable command loads with production dependencies only", async () => {
    const dir = await tempDir("image");
    try {
      const app = join(dir.path, "app");
      cpSync(join(repoRoot, "package-lock.json"), join(app, "package-lock.json"));
      for (const { src, dest } of contextCopies(readFileSync(join(repoRoot, "Dockerfile"), "utf8"))) {
        const target = dest.endsWith("/") || dest === "./" ? join(app, dest, src.split("/").pop()!) : join(app, dest);
        cpSync(join(repoRoot, src), target, { recursive: true });
      }
      execFileSync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: app, stdio: "pipe" });
      removeTests(app);
      const usage = execFileSync(process.execPath, ["bin/wearable.ts", "--help"], { cwd: app, encoding: "utf8" });
      for (const cmd of ["operator", "migrate", "ingest", "impute", "impute-csv", "demo", "db", "outreach"]) {
        assert.match(usage, new RegExp(`^  ${cmd} `, "m"));
        execFileSync(process.execPath, ["bin/wearable.ts", cmd, "--help"], { cwd: app, stdio: "pipe" });
      }
      assert.throws(() => statSync(join(app, "node_modules", "playwright-core")), "devDependencies are not installed");
    } finally {
      await dir.remove();
    }
  });
});
