import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { catalogOf, runCli, tempDir, writeJson } from "./helpers/cli.js";

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe("deadlines (issue 14)", () => {
  it("request_timeout_s bounds the whole request: a body dripping a byte every 300 ms times out", async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("[");
      const drip = setInterval(() => res.write(" "), 300);
      res.on("close", () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
    const dir = tempDir();
    const config = writeJson(dir, "config.json", {
      api_key: "k-123456",
      account_id: "acc",
      base_url: base,
      request_timeout_s: 1,
      max_retries: 0,
    });
    const catalog = writeJson(dir, "catalog.json", catalogOf(["promo_codes"]));
    const started = Date.now();
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no complete response within 1 s/);
  }, 20_000);
});
