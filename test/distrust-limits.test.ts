import { afterEach, describe, expect, it } from "vitest";
import { catalogOf, logLines, runCli, tempDir, writeJson } from "./helpers/cli.js";
import { type HostileServer, hostileServer } from "./helpers/hostile-server.js";

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function config(base: string, extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  return {
    config: writeJson(dir, "config.json", {
      api_key: "k-123456",
      account_id: "acc",
      base_url: base,
      ...extra,
    }),
    catalog: writeJson(dir, "catalog.json", catalogOf(["promo_codes"])),
  };
}

describe("response limits (issue 14)", () => {
  it("a body past max_response_mb fails while it streams in, once, naming endpoint and limit", async () => {
    // an endless body without a length: read whole, it would never end
    server = await hostileServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const row = `${JSON.stringify({ id: 1, code: "x".repeat(1000) })},`;
      res.write("[");
      const pump = () => {
        while (res.write(row.repeat(64)));
      };
      res.on("drain", pump);
      pump();
    });
    const { config: cfg, catalog } = config(server.base, { max_response_mb: 1, max_retries: 3 });
    const run = await runCli(["--config", cfg, "--catalog", catalog], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    const critical = logLines(run.stderr).filter((l) => l.startsWith("CRITICAL"));
    expect(critical).toEqual([
      "CRITICAL stream promo_codes failed: response larger than max_response_mb: more than 1 MB (GET company/promo_codes?page=1&per_page=100)",
    ]);
    expect(server.requests).toHaveLength(1);
    expect(run.stderr).not.toMatch(/retry/);
  }, 40_000);

  it("a declared Content-Length past the limit fails before the body is read", async () => {
    server = await hostileServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(700 * 1024 * 1024) });
      res.write("[");
    });
    const { config: cfg, catalog } = config(server.base, { max_response_mb: 64 });
    const run = await runCli(["--config", cfg, "--catalog", catalog], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /CRITICAL stream promo_codes failed: response larger than max_response_mb: more than 64 MB \(GET company\/promo_codes/,
    );
    expect(server.requests).toHaveLength(1);
  }, 40_000);

  it("a body under the limit is read as before", async () => {
    server = await hostileServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify([{ id: 1, code: "a" }]));
    });
    const { config: cfg, catalog } = config(server.base, { max_response_mb: 0.001 });
    const run = await runCli(["--config", cfg, "--catalog", catalog], { timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    expect(run.messages.filter((m) => m.type === "RECORD")).toHaveLength(1);
  }, 40_000);

  it("max_response_mb must be positive", async () => {
    const { config: cfg, catalog } = config("http://127.0.0.1:9/api/v2", { max_response_mb: 0 });
    const run = await runCli(["--config", cfg, "--catalog", catalog], { timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/max_response_mb/);
  }, 40_000);

  it.each([
    ["arrays", (n: number) => `[{"id":1,"x":${"[".repeat(n)}${"]".repeat(n)}}]`],
    ["objects", (n: number) => `[{"id":1,"x":${'{"a":'.repeat(n)}1${"}".repeat(n)}}]`],
    ["an id-less row", (n: number) => `[{"x":${"[".repeat(n)}${"]".repeat(n)}}]`],
  ])(
    "JSON nested 200,000 deep (%s) fails naming the endpoint, not the call stack",
    async (_name, body) => {
      server = await hostileServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body(200_000));
      });
      const { config: cfg, catalog } = config(server.base);
      const run = await runCli(["--config", cfg, "--catalog", catalog], { timeoutMs: 30_000 });
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(/call stack|unexpected error/i);
      expect(run.stderr).toMatch(
        /CRITICAL stream promo_codes failed: response nested too deep to be rows \(GET company\/promo_codes.*page.?1/,
      );
    },
    40_000,
  );
});
