// Real Prometheus and Alertmanager (Debian packages) on free loopback ports,
// for alert tests that go scrape -> rule -> Alertmanager -> webhook.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePort } from "../../jobs/db/embedded.ts";
import { startProcess, tempDir, waitFor } from "./processes.ts";

export interface Server {
  url: string;
  stop(): Promise<void>;
}

async function ready(url: string): Promise<boolean> {
  const res = await fetch(url);
  return res.ok;
}

/** `config` is a prometheus.yml body; `files` are written beside it (e.g. rule files it names). */
export async function startPrometheus(config: string, files: Record<string, string> = {}): Promise<Server & { dir: string }> {
  const dir = await tempDir("prom");
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir.path, name), body);
  await writeFile(join(dir.path, "prometheus.yml"), config);
  const port = await freePort();
  const proc = startProcess("prometheus", "prometheus", [
    `--config.file=${join(dir.path, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir.path, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.enable-lifecycle",
    // Prometheus drops a notification sent before it has discovered the
    // Alertmanager and then waits the resend delay (1 min by default).
    "--rules.alert.resend-delay=1s",
  ], { logDir: dir.path, cwd: dir.path });
  const url = `http://127.0.0.1:${port}`;
  await waitFor("prometheus ready", () => ready(`${url}/-/ready`), { proc, timeoutMs: 30_000 });
  return { url, dir: dir.path, async stop() { await proc.stop(); await dir.remove(); } };
}

export async function startAlertmanager(config: string): Promise<Server> {
  const dir = await tempDir("am");
  await writeFile(join(dir.path, "alertmanager.yml"), config);
  const port = await freePort();
  const proc = startProcess("alertmanager", "prometheus-alertmanager", [
    `--config.file=${join(dir.path, "alertmanager.yml")}`,
    `--storage.path=${join(dir.path, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--cluster.listen-address=",
  ], { logDir: dir.path, cwd: dir.path });
  const url = `http://127.0.0.1:${port}`;
  await waitFor("alertmanager ready", () => ready(`${url}/-/ready`), { proc, timeoutMs: 30_000 });
  return { url, async stop() { await proc.stop(); await dir.remove(); } };
}
