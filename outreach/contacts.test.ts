import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chainContactSources, InvalidContactError, secretDirContactSource, type ContactSource } from "./contacts.ts";

void describe("contact sources", () => {
  void test("a mounted-Secret folder: one file per participant, trimmed; missing file means no address", async () => {
    const dir = await mkdtemp(join(tmpdir(), "outreach-contacts-"));
    try {
      await writeFile(join(dir, "P001"), "ann@example.org\n");
      await writeFile(join(dir, "P002"), "not an address");
      const source = secretDirContactSource(dir);
      assert.equal(await source.lookup("P001"), "ann@example.org");
      assert.equal(await source.lookup("P404"), null);
      assert.equal(await source.lookup("../P001"), null, "an ID that could leave the folder is never read");
      await assert.rejects(source.lookup("P002"), (err: Error) => {
        assert.ok(err instanceof InvalidContactError);
        assert.match(err.message, /participant P002 in the contacts folder is not a valid email address/);
        assert.doesNotMatch(err.message, /not an address/, "the bad value itself is not echoed");
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test("a chain asks each source in turn, first address wins", async () => {
    const asked: string[] = [];
    const fixed = (name: string, address: string | null): ContactSource => ({
      name,
      lookup: (id) => {
        asked.push(`${name}:${id}`);
        return Promise.resolve(address);
      },
    });
    const chain = chainContactSources([fixed("database", null), fixed("secret-dir", "x@example.org"), fixed("kubernetes", "y@example.org")]);
    assert.equal(chain.name, "database+secret-dir+kubernetes");
    assert.equal(await chain.lookup("P1"), "x@example.org");
    assert.deepEqual(asked, ["database:P1", "secret-dir:P1"]);
  });
});
