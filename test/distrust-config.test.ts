import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { InputError } from "../src/errors.js";
import { runCli, tempDir, writeJson } from "./helpers/cli.js";

const base = { api_key: "fp-test-key", account_id: "acc" };
const fails = (extra: Record<string, unknown>) => {
  try {
    parseConfig({ ...base, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error("accepted");
};

describe("config distrust (issue 14)", () => {
  it.each([
    ["api_key", "fp-test\r\nX: y"],
    ["account_id", "acc\u00e9"],
    ["user_agent", "ua\u0007"],
  ])("refuses a control or non-ASCII character in %s without echoing it", (field, value) => {
    const message = fails({ [field]: value });
    expect(message).toContain(field);
    expect(message).not.toContain(value);
  });

  it.each(["http://", "not a url", "ftp://api.example.com/v2"])("refuses base_url %j", (url) => {
    expect(fails({ base_url: url })).toMatch(/base_url/);
  });

  it("refuses userinfo in base_url without printing the password", () => {
    const message = fails({ base_url: "https://user:hunter2@api.example.com/v2" });
    expect(message).not.toContain("hunter2");
  });

  it("allows http:// only to loopback", () => {
    expect(fails({ base_url: "http://api.example.com/v2" })).toMatch(/plain http/);
    for (const host of ["127.0.0.1:8080", "localhost", "[::1]:9"]) {
      expect(parseConfig({ ...base, base_url: `http://${host}/api/v2` }).baseUrl).toContain(host);
    }
  });
});

describe("CLI inputs (issue 14)", () => {
  it("a config that is not valid JSON never echoes the key", async () => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    writeFileSync(path, '{"account_id": "a", "api_key":fp-test-key-123}');
    const run = await runCli(["--config", path, "--discover"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not valid JSON/);
    expect(run.stderr + run.stdout).not.toContain("fp-test-key");
  });

  it.each([["--state"], ["--catalog"], ["--config"]])("an empty %s is a usage error", async (flag) => {
    const dir = tempDir();
    const config = writeJson(dir, "config.json", base);
    const args = flag === "--config" ? ["--config", ""] : ["--config", config, flag, ""];
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${flag} was given an empty file name`);
  });
});

describe("Airbyte check on config problems (issue 14)", () => {
  it.each([
    [{ ...base, base_url: "http://" }, /base_url/],
    [{ ...base, api_key: "fp-test-key\r\nX: 1" }, /api_key/],
    [{ ...base, base_url: "http://api.example.com/v2" }, /plain http/],
  ])("reports %j as CONNECTION_STATUS FAILED with the reason", async (config, reason) => {
    const path = writeJson(tempDir(), "config.json", config);
    const run = await runCli(["check", "--config", path]);
    expect(run.code).toBe(0);
    const status = run.messages.find((m) => m.type === "CONNECTION_STATUS") as
      | { connectionStatus: { status: string; message: string } }
      | undefined;
    expect(status?.connectionStatus.status).toBe("FAILED");
    expect(status?.connectionStatus.message).toMatch(reason);
    expect(run.stdout).not.toContain("fp-test-key");
  });

  it("a check config that is not valid JSON never echoes the key", async () => {
    const dir = tempDir();
    const path = join(dir, "config.json");
    writeFileSync(path, '{"account_id": "a", "api_key":fp-test-key-123}');
    const run = await runCli(["check", "--config", path]);
    expect(run.stdout).toMatch(/FAILED/);
    expect(run.stdout + run.stderr).not.toContain("fp-test-key");
  });
});

describe("catalog schema (issue 14)", () => {
  it("an invalid schema in the catalog names the file and the stream, exit 2", async () => {
    const dir = tempDir();
    const config = writeJson(dir, "config.json", base);
    const catalog = writeJson(dir, "catalog.json", {
      streams: [
        {
          tap_stream_id: "campaigns",
          stream: "campaigns",
          schema: { type: "object", properties: { id: { type: "no-such-type" } } },
          metadata: [{ breadcrumb: [], metadata: { selected: true } }],
        },
      ],
    });
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/catalog\.json.*stream "campaigns" has an invalid schema/);
    expect(run.stderr).not.toMatch(/unexpected error/);
  });
});
