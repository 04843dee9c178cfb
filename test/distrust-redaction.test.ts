import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Redactor } from "../src/log.js";
import { runCli, tempDir, writeJson } from "./helpers/cli.js";

const KEY = "fp-secret-key-4711";
let server: Server | undefined;
afterEach(() => server?.close());

/** A server whose 400 body echoes the request's headers, the key among them. */
async function echoServer(): Promise<string> {
  server = createServer((req, res) => {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: `bad request; headers were ${req.headers.authorization} ${KEY}` }));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
}

describe("redaction (issue 14)", () => {
  it("Airbyte TRACE stack_trace (--debug) never carries the key a server echoed", async () => {
    const base = await echoServer();
    const dir = tempDir();
    const config = writeJson(dir, "config.json", {
      api_key: KEY,
      account_id: "acc",
      base_url: base,
      max_retries: 0,
    });
    const catalog = writeJson(dir, "catalog.json", airbyteCatalog());
    const run = await runCli(["read", "--config", config, "--catalog", catalog, "--debug"]);
    expect(run.stdout).toContain("stack_trace");
    expect(run.stdout + run.stderr).not.toContain(KEY);
  });

  it("masks URL userinfo", () => {
    expect(new Redactor([]).redact("GET https://user:hunter2@api.example.com/x")).toBe(
      "GET https://****@api.example.com/x",
    );
  });
});

function airbyteCatalog() {
  return {
    streams: ["promo_codes"].map((name) => ({
      stream: {
        name,
        json_schema: { type: "object", properties: {} },
        supported_sync_modes: ["full_refresh"],
      },
      sync_mode: "full_refresh",
      destination_sync_mode: "overwrite",
    })),
  };
}
