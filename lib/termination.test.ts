import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { recordFailure, terminationLine, terminationLogPath, writeTerminationLog } from "./termination.ts";

void describe("termination message", () => {
  test("one JSON line within the kubelet's 4 KiB, shortening the error first", () => {
    const line = terminationLine({ kind: "ingest", participantId: "p1", error: "x".repeat(10_000) });
    assert.ok(Buffer.byteLength(line) <= 4097);
    assert.ok(line.endsWith("...\"}\n"));
    assert.equal(JSON.parse(line).participantId, "p1");
  });

  test("path: TERMINATION_LOG, else the kubelet's file when it exists, else nowhere", () => {
    assert.equal(terminationLogPath({ TERMINATION_LOG: "/tmp/t" }), "/tmp/t");
    assert.equal(terminationLogPath({}, () => false), null);
    assert.equal(terminationLogPath({}, () => true), "/dev/termination-log");
  });

  test("recordFailure writes {kind, error} but never replaces a summary the command left", async () => {
    const dir = await mkdtemp(join(tmpdir(), "termination-"));
    try {
      const env = { TERMINATION_LOG: join(dir, "log") };
      await recordFailure("migrate", "could not connect to the database; check DATABASE_URL", env);
      assert.deepEqual(JSON.parse(await readFile(env.TERMINATION_LOG, "utf8")), { kind: "migrate", error: "could not connect to the database; check DATABASE_URL" });
      await writeTerminationLog({ kind: "ingest", participantId: "p1", error: "the source said 401" }, env);
      await recordFailure("ingest", "something later", env);
      assert.equal(JSON.parse(await readFile(env.TERMINATION_LOG, "utf8")).error, "the source said 401");
      await writeFile(env.TERMINATION_LOG, "");
      await recordFailure("impute", "boom", env);
      assert.equal(JSON.parse(await readFile(env.TERMINATION_LOG, "utf8")).kind, "impute");
      await recordFailure("impute", "nowhere to write", {});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
