// `wearable demo` end to end on the embedded TimescaleDB (small cohort to stay
// fast): the table on stdout, the HTML report as Chromium renders it, and a
// second run on the same data directory that writes nothing new.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { createLogger } from "../../lib/logger.ts";
import { tempDir } from "../../test/harness/processes.ts";
import { runDemo, type DemoOptions } from "./demo.ts";
import { formatTable, summarize } from "./summary.ts";
import { loadThresholds } from "./thresholds.ts";

const thresholds = loadThresholds();

describe("demo summary (pure)", () => {
  test("flags follow the chart thresholds and the table lines up", () => {
    const day = (d: string, wear: number, steps = 5000) => ({
      participantId: "p1", day: d, wearMinutes: wear, validDay: wear >= 600, steps, sleepMinutes: 0, mainSleepMissing: true, sleepClassic: false,
      lastSyncAt: new Date(`${d < "2026-11-03" ? d : "2026-11-03"}T20:00:00Z`),
    });
    const days = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06", "2026-11-07"].map((d, i) => day(d, i < 3 ? 1300 : 0, i === 0 ? 400 : 8000));
    const s = summarize("p1", "struggling", days, new Date("2026-11-08T12:00:00Z"), thresholds);
    assert.equal(s.validDays, 3);
    assert.deepEqual(s.flags, ["no-sync", "low-wear", "few-valid-days", "inactive-days", "no-main-sleep×3"]);
    const table = formatTable([s]).split("\n");
    assert.match(table[0]!, /^participant +profile +valid days +wear % +last sync +flags$/);
    assert.match(table[2]!, /^p1 +struggling +3\/7 +38\.7 +2026-11-03 20:00Z \(4\.6d\) +no-sync, low-wear/);
  });
});

describe("wearable demo on the embedded TimescaleDB", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let out = "";
  const progress: string[] = [];
  const options = (): DemoOptions => ({
    dataDir: join(dir.path, "pgdata"), participants: 3, days: 3, timeZone: "Europe/Amsterdam", now: new Date("2026-11-20T12:00:00Z"),
    reportPath: join(dir.path, "out", "report.html"), impute: false, log: createLogger({ name: "demo-test", level: "silent" }),
    progress: (l) => progress.push(l), out: (t) => (out += `${t}\n`),
  });
  before(async () => {
    dir = await tempDir("demo");
  });
  after(async () => {
    await dir?.remove();
  });

  test("first run: ingests, prints the adherence table, writes a report Chromium shows", async () => {
    const r = await runDemo(options());
    assert.ok(r.rowsWritten > 50_000, `rows written: ${r.rowsWritten}`);
    assert.match(out, /participant +profile +valid days +wear % +last sync +flags/);
    assert.match(out, /p001 +compliant +3\/3 /);
    assert.match(out, /p002 +struggling /);
    assert.ok(progress.some((l) => /\[ 3\/3\] ingested p003 \(compliant/.test(l)), progress.join("\n"));
    assert.ok(progress.includes("imputation skipped: --no-impute"));
    const html = await readFile(r.reportPath, "utf8");
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, "self-contained: no scripts, no external resources");
    const ctx = await chromium.launchPersistentContext(mkdtempSync(join(dir.path, "chromium-")), {
      executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1200, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await ctx.newPage();
      await page.goto(`file://${r.reportPath}`);
      assert.equal(await page.locator("tbody tr").count(), 3);
      assert.equal(await page.locator("td.id").first().textContent(), "p001");
      // One wear bar per participant-day, visible, and the hourly heart-rate line drawn.
      assert.equal(await page.locator("svg.spark rect").count(), 9);
      const line = await page.locator("polyline").first().boundingBox();
      assert.ok(line && line.width > 600 && line.height > 20, JSON.stringify(line));
      await page.screenshot({ path: join(dir.path, "report.png"), fullPage: true });
    } finally {
      await ctx.close();
    }
  });

  test("second run on the same data directory reuses the data and writes nothing new", async () => {
    const firstTable = out;
    out = "";
    const r = await runDemo(options());
    assert.equal(r.rowsWritten, 0);
    assert.equal(out, firstTable, "same table");
  });
});
