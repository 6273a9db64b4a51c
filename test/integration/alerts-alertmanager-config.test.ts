// charts/kube-prometheus-stack-values.yaml's Alertmanager config, checked by
// the real amtool: valid, credentials only by file (mounted Secrets), routes
// by severity, and inhibitions that reference alerts the chart defines.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { alertNames } from "../../charts/alerts/render-template.ts";
import { tempDir } from "../harness/processes.ts";
import { repoRoot } from "./chart-helm.ts";

const run = promisify(execFile);

interface AmConfig {
  global: Record<string, unknown>;
  receivers: Array<Record<string, unknown>>;
  inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[] }>;
}

void describe("kube-prometheus-stack values: Alertmanager", { skip: process.env.TEST_UNIT_ONLY === "1" }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let config: AmConfig;
  let file: string;
  before(async () => {
    dir = await tempDir("amtool");
    const values = parse(await readFile(join(repoRoot, "charts/kube-prometheus-stack-values.yaml"), "utf8")) as { alertmanager: { config: AmConfig } };
    config = values.alertmanager.config;
    file = join(dir.path, "alertmanager.yml");
    await writeFile(file, stringify(config));
  });
  after(async () => dir?.remove());

  void it("amtool check-config accepts it", async () => {
    const { stdout } = await run("amtool", ["check-config", file]);
    assert.match(stdout, /SUCCESS/);
  });

  void it("holds no credentials: SMTP password and webhook tokens come from mounted Secret files", () => {
    const text = stringify(config);
    assert.doesNotMatch(text, /smtp_auth_password:|auth_password:|credentials:|password:|https?:\/\/[^/\s]*@|token=/);
    assert.match(String(config.global.smtp_auth_password_file), /^\/etc\/alertmanager\/secrets\//);
    let webhooks = 0;
    for (const r of config.receivers) {
      for (const w of (r.webhook_configs as Array<{ http_config?: { authorization?: { credentials_file?: string } } }> | undefined) ?? []) {
        assert.match(w.http_config?.authorization?.credentials_file ?? "", /^\/etc\/alertmanager\/secrets\//);
        webhooks++;
      }
    }
    assert.ok(webhooks >= 1 && config.receivers.some((r) => r.email_configs), "email and webhook receivers");
  });

  void it("routes by severity", async () => {
    const route = async (labels: string[]) => (await run("amtool", ["config", "routes", "test", "--config.file", file, ...labels])).stdout.trim();
    assert.equal(await route(["severity=critical", "alertname=WearableDatabaseDown"]), "oncall-email,webhook");
    assert.equal(await route(["severity=warning", "alertname=WearableIngestStale"]), "team-email,webhook");
    assert.equal(await route(["severity=info", "alertname=WearableStudyAdherenceLow"]), "research-webhook");
    assert.equal(await route(["alertname=Watchdog", "severity=none"]), "null");
  });

  void it("inhibit rules name only alerts the chart defines", () => {
    const names = new Set(alertNames());
    for (const rule of config.inhibit_rules) {
      for (const m of [...rule.source_matchers, ...rule.target_matchers]) {
        const alt = /alertname =~? "([^"]+)"/.exec(m)?.[1];
        if (!alt) continue;
        for (const part of alt.split("|")) {
          const re = new RegExp(`^${part}$`);
          assert.ok([...names].some((n) => re.test(n)), `inhibit matcher ${part} matches a chart alert`);
        }
      }
    }
  });
});
