// Alertmanager's webhook receiver target for tests: records every alert it is sent.
import { createServer, type Server as HttpServer } from "node:http";
import { freePort } from "../../jobs/db/embedded.ts";

export interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export async function startWebhookSink(): Promise<{ url: string; alerts: WebhookAlert[]; close(): Promise<void> }> {
  const alerts: WebhookAlert[] = [];
  const server: HttpServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const payload = JSON.parse(body) as { alerts: WebhookAlert[] };
      alerts.push(...payload.alerts);
      res.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}/alerts`, alerts, close: () => new Promise((r) => server.close(() => r())) };
}
