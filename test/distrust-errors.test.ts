import { afterEach, describe, expect, it } from "vitest";
import { catalogOf, logLines, runCli, singerRecords, tempDir, writeJson } from "./helpers/cli.js";
import { type HostileServer, hostileServer, json } from "./helpers/hostile-server.js";

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Lists answer one row; `deny` answers the status for the paths it names (or every path). */
async function api(status: number, deny: (path: string) => boolean) {
  server = await hostileServer((req, res) => {
    if (deny(req.path)) return json(res, status, { message: "Not allowed here", code: "x" });
    if (req.query.get("page") !== "1")
      return json(res, 200, req.path === "company/promoters" ? { data: [] } : []);
    if (req.path === "company/promoters")
      return json(res, 200, { data: [{ id: 1, email: "a@example.com" }] });
    return json(res, 200, [{ id: 1, name: "row" }]);
  });
  return server;
}

function files(base: string, streams?: string[]) {
  const dir = tempDir();
  return {
    config: writeJson(dir, "config.json", { api_key: "k-123456", account_id: "acc", base_url: base }),
    catalog: streams ? writeJson(dir, "catalog.json", catalogOf(streams)) : undefined,
  };
}

describe("a 403 or 404 every stream would get stops the sync (issue 17)", () => {
  it.each([
    [
      403,
      /^CRITICAL sync stopped: access denied \(HTTP 403\) for the whole account: check the API key's permissions and account_id: Not allowed here \(GET company\/promoters\?.*per_page=\d+\)$/,
    ],
    [
      404,
      /^CRITICAL sync stopped: not found \(HTTP 404\) for the whole account: check account_id and base_url: Not allowed here \(GET company\/promoters\?.*per_page=\d+\)$/,
    ],
  ])(
    "HTTP %i on every endpoint: one CRITICAL line, exit 1, at most two requests",
    async (status, line) => {
      const { base } = await api(status, () => true);
      const { config } = files(base);
      // the default catalog: every stream, the first request is whichever stream starts first
      const run = await runCli(["--config", config], { timeoutMs: 30_000 });
      expect(run.code).toBe(1);
      const lines = logLines(run.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(server!.requests.length).toBeLessThanOrEqual(2);
      expect(run.messages.filter((m) => m.type === "RECORD")).toHaveLength(0);
    },
    40_000,
  );

  it("Airbyte read: one TRACE error, no stream lines, at most two requests", async () => {
    const { base } = await api(403, () => true);
    const { config } = files(base);
    const dir = tempDir();
    const configured = writeJson(dir, "configured.json", {
      streams: ["webhooks", "assets", "promo_codes"].map((name) => ({
        stream: {
          name,
          json_schema: { type: "object", properties: {} },
          supported_sync_modes: ["full_refresh"],
        },
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite",
      })),
    });
    const run = await runCli(["read", "--config", config, "--catalog", configured], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    const traces = run.messages.filter(
      (m) => m.type === "TRACE" && (m.trace as { type: string }).type === "ERROR",
    );
    expect(traces).toHaveLength(1);
    const error = (traces[0]!.trace as { error: { message: string; failure_type: string } }).error;
    expect(error.message).toMatch(/whole account: check the API key's permissions and account_id/);
    expect(error.failure_type).toBe("config_error");
    const logs = run.messages
      .filter((m) => m.type === "LOG")
      .map((m) => (m.log as { message: string }).message);
    expect(logs.filter((m) => /started|finished|failed after/.test(m))).toEqual([]);
    expect(server!.requests.length).toBeLessThanOrEqual(2);
  }, 40_000);

  it("Airbyte check: a 403 says to check the key's permissions and account_id", async () => {
    const { base } = await api(403, () => true);
    const { config } = files(base);
    const run = await runCli(["check", "--config", config], { timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    const status = run.messages.find((m) => m.type === "CONNECTION_STATUS") as {
      connectionStatus: { status: string; message: string };
    };
    expect(status.connectionStatus.status).toBe("FAILED");
    expect(status.connectionStatus.message).toMatch(
      /denied access: check the key's permissions and account_id/,
    );
    expect(status.connectionStatus.message).not.toMatch(/check api_key/);
  }, 40_000);

  it("Airbyte check: a server failing with 503 is not blamed on base_url or the network", async () => {
    const { base } = await api(503, () => true);
    const dir = tempDir();
    const config = writeJson(dir, "config.json", {
      api_key: "k-123456",
      account_id: "acc",
      base_url: base,
      backoff_base_s: 0.01,
    });
    const run = await runCli(["check", "--config", config], { timeoutMs: 30_000 });
    const status = run.messages.find((m) => m.type === "CONNECTION_STATUS") as {
      connectionStatus: { status: string; message: string };
    };
    expect(status.connectionStatus.status).toBe("FAILED");
    expect(status.connectionStatus.message).toMatch(/the API kept failing at .*HTTP 503/);
    expect(status.connectionStatus.message).not.toMatch(/could not reach|check base_url/);
  }, 40_000);
});

describe("an error of one endpoint is that stream's alone (issue 14)", () => {
  it("a 403 on one endpoint fails that stream, says it is the endpoint, and the others complete", async () => {
    const { base } = await api(403, (path) => path === "company/webhooks");
    const { config, catalog } = files(base, ["promo_codes", "webhooks", "assets"]);
    const run = await runCli(["--config", config, "--catalog", catalog!], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    const records = singerRecords(run.messages);
    expect(records.get("promo_codes")).toHaveLength(1);
    expect(records.get("assets")).toHaveLength(1);
    const lines = logLines(run.stderr);
    expect(lines.filter((l) => l.startsWith("CRITICAL"))).toEqual([
      "CRITICAL stream webhooks failed: access denied (HTTP 403): the API key has no rights for this endpoint: Not allowed here (GET company/webhooks?page=1&per_page=100)",
    ]);
    expect(lines.some((l) => /^INFO (promo_codes|assets): finished/.test(l))).toBe(true);
    expect(run.stderr).not.toMatch(/account_id|whole account/);
  }, 40_000);

  it("a 404 on one endpoint is not blamed on account_id", async () => {
    const { base } = await api(404, (path) => path === "company/batch_processes");
    const { config, catalog } = files(base, ["promo_codes", "batch_processes"]);
    const run = await runCli(["--config", config, "--catalog", catalog!], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(singerRecords(run.messages).get("promo_codes")).toHaveLength(1);
    expect(run.stderr).toMatch(
      /CRITICAL stream batch_processes failed: not found \(HTTP 404\): this endpoint is not available: Not allowed here \(GET company\/batch_processes\?page=1&per_page=100\)/,
    );
    expect(run.stderr).not.toMatch(/account_id/);
  }, 40_000);

  it("a stream whose table row says a 404 means 'not on this account' is skipped with a warning, exit 0", async () => {
    const { base } = await api(404, (path) => path.endsWith("custom_referral_statuses"));
    const { config, catalog } = files(base, ["promo_codes", "custom_referral_statuses"]);
    const run = await runCli(["--config", config, "--catalog", catalog!], { timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    expect(singerRecords(run.messages).get("promo_codes")).toHaveLength(1);
    const lines = logLines(run.stderr);
    expect(lines.filter((l) => l.startsWith("WARNING custom_referral_statuses: skipped"))).toEqual([
      "WARNING custom_referral_statuses: skipped: not found (HTTP 404): this endpoint is not available: Not allowed here (GET ../admin/v1/custom_referral_statuses?page=1&per_page=100)",
    ]);
    expect(lines.some((l) => /^(ERROR|CRITICAL)/.test(l))).toBe(false);
  }, 40_000);
});
