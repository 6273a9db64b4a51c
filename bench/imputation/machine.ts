// Machine and version facts recorded with every benchmark result, so a number
// can be compared only with numbers from a like machine.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

function pkgVersion(name: string): string {
  try {
    // Via the main entry: some packages (arima) do not export ./package.json.
    return (JSON.parse(readFileSync(join(dirname(require.resolve(name)), "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? "unknown",
    cpus: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage1m: os.loadavg()[0],
    versions: { node: process.version, arima: pkgVersion("arima"), v8: process.versions.v8 },
  };
}
