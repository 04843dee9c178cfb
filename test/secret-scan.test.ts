import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../sandbox/src/server.js";
import { catalogOf, runCli, spawnCli, tempDir, writeJson } from "./helpers/cli.js";
import { expectNoSecrets, SecretLeak, secretLeaks, secretsOfRun } from "./helpers/secrets.js";

/**
 * The suite-wide secret scan must be able to fail: a planted key and a planted password_setup_url are
 * caught, by the pure helper and by runCli itself when the CLI really prints them.
 */
const KEY = "planted-key-5f2c9e";
const SETUP_URL = "https://portal.example.com/password/setup?token=Zq81ypWmE0rT5uVx2nKaB7cD9fGhJ3Ls";

describe("secret scan helper", () => {
  it("finds the configured api_key in any output, also from a config that is not valid JSON", () => {
    const dir = tempDir();
    const good = writeJson(dir, "good.json", { api_key: KEY, account_id: "acc" });
    const broken = writeJson(dir, "broken.json", `{"api_key": "${KEY}", "account_id": `);
    for (const config of [good, broken]) {
      const secrets = secretsOfRun(["--config", config]);
      expect(secrets).toContain(KEY);
      expect(secretLeaks({ stderr: `CRITICAL bad key ${KEY}` }, secrets)).toHaveLength(1);
      expect(() => expectNoSecrets({ stdout: `{"x":"${KEY}"}` }, ["--config", config])).toThrow(SecretLeak);
      expect(() =>
        expectNoSecrets({ stdout: "Bearer ****", stderr: "" }, ["--config", config]),
      ).not.toThrow();
    }
  });

  it("finds a password_setup_url value by its shape", () => {
    expect(secretLeaks({ stdout: `{"url":"${SETUP_URL}"}` }, [])).toEqual([
      expect.stringMatching(/^stdout: a password_setup_url value/),
    ]);
    expect(secretLeaks({ stdout: '{"password_setup_url":null}' }, [])).toEqual([]);
  });
});

describe("every CLI run of the suite is scanned", () => {
  // a server that echoes the Authorization header in a 400 body: the one place a key can come back from
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `bad header ${req.headers.authorization}`, url: SETUP_URL }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v2`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("runCli passes a clean run and rejects one whose output holds the key", async () => {
    const dir = tempDir();
    const config = writeJson(dir, "config.json", { api_key: KEY, account_id: "acc", base_url: baseUrl });
    // the tap itself redacts: a clean run through the same helper, with --debug and an error path
    const clean = await runCli(["check", "--debug", "--config", config]);
    expect(clean.stdout).toContain("CONNECTION_STATUS");
    // a run whose stdout carries the key (the about text of a config echoing it is not a tap output, so the
    // key is planted where the CLI prints it back verbatim: an unknown-argument usage error)
    await expect(runCli(["--config", config, `--${KEY}`])).rejects.toThrow(SecretLeak);
  });

  it("spawnCli throws the leak as an unhandled error once the child ends", async () => {
    const dir = tempDir();
    const config = writeJson(dir, "config.json", { api_key: KEY, account_id: "acc", base_url: baseUrl });
    const thrown = new Promise<unknown>((resolve) => {
      const listeners = process.listeners("uncaughtException");
      process.removeAllListeners("uncaughtException");
      process.once("uncaughtException", (error) => {
        for (const l of listeners) process.on("uncaughtException", l);
        resolve(error);
      });
    });
    spawnCli(["--config", config, `--${KEY}`]);
    expect(await thrown).toBeInstanceOf(SecretLeak);
  });
});

describe("the paths most likely to leak, scanned end to end", () => {
  it("debug logs, a failed stream's TRACE stack trace and a failed check hold neither secret", async () => {
    const sandbox = await startSandbox({ size: 5, seed: 3, apiKey: KEY });
    try {
      const dir = tempDir();
      const config = writeJson(
        dir,
        "config.json",
        sandbox.tapConfig({ max_retries: 0, backoff_base_s: 0.01 }),
      );
      // promoter_details reads GET /promoters/{id}, whose bodies carry password_setup_url
      const catalog = writeJson(dir, "catalog.json", catalogOf(["promoter_details"]));
      const singer = await runCli(["--config", config, "--catalog", catalog, "--log-level", "debug"]);
      expect(singer.code, singer.stderr).toBe(0);
      expect(singer.stderr).toMatch(/DEBUG GET company\/promoters\/\{?\w+\}?/);
      expect(singer.messages.filter((m) => m.type === "RECORD")).toHaveLength(5);

      const discover = await runCli(["discover", "--config", config]);
      const streams = (discover.messages[0]!.catalog as { streams: Array<Record<string, unknown>> }).streams;
      const configured = writeJson(dir, "configured.json", {
        streams: streams
          .filter((s) => s.name === "promoter_details")
          .map((stream) => ({ stream, sync_mode: "full_refresh", destination_sync_mode: "append" })),
      });
      sandbox.faults.add({ kind: "500", path: "company/promoters/", count: 1000 });
      const failed = await runCli(["read", "--debug", "--config", config, "--catalog", configured]);
      expect(failed.code).toBe(1);
      const errors = failed.messages.filter((m) => m.type === "TRACE" && (m.trace as Msg).type === "ERROR");
      expect(errors.length, failed.stdout).toBeGreaterThan(0);
      expect((errors[0]!.trace as { error: Msg }).error.stack_trace).toEqual(expect.any(String));
      sandbox.faults.clear();

      sandbox.faults.add({ kind: "401", count: 10 });
      const check = await runCli(["check", "--debug", "--config", config]);
      sandbox.faults.clear();
      expect(check.messages.at(-1)).toMatchObject({ connectionStatus: { status: "FAILED" } });
    } finally {
      await sandbox.close();
    }
  }, 60_000);
});

type Msg = Record<string, unknown>;
