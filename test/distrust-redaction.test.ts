import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Redactor } from "../src/log.js";
import { runCli, tempDir, writeJson } from "./helpers/cli.js";
import { mockAgent, testClient } from "./helpers/http.js";

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

  it("records that echo the api key carry **** instead, in Singer and Airbyte output alike", async () => {
    // a promo code whose description quotes the key (a support note pasted into the account)
    server = createServer((req, res) => {
      const page = new URL(req.url ?? "/", "http://x").searchParams.get("page");
      const rows =
        page === "1" ? [{ id: 1, code: "SPRING", description: `api key is ${KEY}`, [`k_${KEY}`]: KEY }] : [];
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(rows));
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
    const dir = tempDir();
    const config = writeJson(dir, "config.json", { api_key: KEY, account_id: "acc", base_url: base });
    const singerCatalog = writeJson(dir, "singer.json", {
      streams: [
        { tap_stream_id: "promo_codes", metadata: [{ breadcrumb: [], metadata: { selected: true } }] },
      ],
    });
    const singer = await runCli(["--config", config, "--catalog", singerCatalog]);
    const airbyte = await runCli([
      "read",
      "--config",
      config,
      "--catalog",
      writeJson(dir, "ab.json", airbyteCatalog(["id", "code", "description"])),
    ]);
    for (const run of [singer, airbyte]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('"description":"api key is ****"');
      expect(run.stdout + run.stderr).not.toContain(KEY);
    }
  });

  it("masks a key with a quote or comma in it whole, and its URL-encoded and base64 forms in logs", () => {
    const key = 'ab"c,d=x9';
    const redactor = new Redactor([key]);
    expect(redactor.redact(`Authorization: Bearer ${key}`)).toBe("Authorization: Bearer ****");
    expect(redactor.redact(`url ?k=${encodeURIComponent(key)}`)).toBe("url ?k=****");
    expect(redactor.redact(`basic ${Buffer.from(key).toString("base64")}`)).toBe("basic ****");
    expect(redactor.mask(JSON.stringify({ note: `key ${key}` }))).toBe('{"note":"key ****"}');
    // data that merely looks like a token is data: only the known secrets are masked in records
    expect(redactor.mask('{"note":"Bearer of good news"}')).toBe('{"note":"Bearer of good news"}');
  });

  it("masks the key in a server's error message before shortening it: a key cut at the 200th character leaks none of it", async () => {
    const agent = mockAgent();
    const message = `${"x".repeat(190)} secret-key-123 was rejected`;
    agent
      .get("https://api.test")
      .intercept({ path: /\/company\/campaigns/ })
      .reply(400, { message });
    const { http } = testClient(agent, { maxRetries: 0 });
    const error = await http.getJson("company/campaigns", []).catch((e: Error) => e);
    expect(String(error)).toMatch(/x{100}/);
    expect(String(error)).not.toContain("secret-");
    expect(String(error)).toContain("****");
  });

  it("masks URL userinfo", () => {
    expect(new Redactor([]).redact("GET https://user:hunter2@api.example.com/x")).toBe(
      "GET https://****@api.example.com/x",
    );
  });
});

function airbyteCatalog(fields: string[] = []) {
  const properties = Object.fromEntries(fields.map((f) => [f, {}]));
  return {
    streams: ["promo_codes"].map((name) => ({
      stream: {
        name,
        json_schema: { type: "object", properties },
        supported_sync_modes: ["full_refresh"],
      },
      sync_mode: "full_refresh",
      destination_sync_mode: "overwrite",
    })),
  };
}
