import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { FAULT_KINDS } from "../sandbox/src/faults.js";
import { VERSION } from "../src/version.js";
import { CLI, tempDir, writeJson } from "./helpers/cli.js";
import { expectNoSecrets } from "./helpers/secrets.js";

/** The command-line habits of the Singer/Meltano/Airbyte ecosystem, run through the built CLI. */
const exec = promisify(execFile);

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("TAP_FIRSTPROMOTER_")),
  );
  const result = await exec(process.execPath, [CLI, ...args], {
    env: { ...clean, ...env },
    timeout: 30_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
  // the suite-wide secret scan (issue 14), also for runs made without runCli
  expectNoSecrets({ stdout: result.stdout, stderr: result.stderr }, args, { env: { ...clean, ...env } });
  return result;
}

/** Option rows of a yargs help text: `  -h, --help   Show help   [boolean]`. */
function optionRows(help: string): Array<{ flag: string; text: string }> {
  const rows: Array<{ flag: string; text: string }> = [];
  for (const line of help.split("\n")) {
    const m = /^\s+(?:-\w, )?--([\w-]+)\s*(.*)$/.exec(line);
    if (m) rows.push({ flag: m[1]!, text: m[2]!.replace(/\[[^\]]*\]/g, "").trim() });
  }
  return rows;
}

describe("help and version", () => {
  it.each([[[]], [["sandbox"]], [["read"]], [["check"]], [["demo"]]])(
    "%j -h describes every flag",
    async (command) => {
      const { code, stdout } = await cli([...command, "-h"]);
      expect(code).toBe(0);
      const rows = optionRows(stdout);
      expect(rows.length).toBeGreaterThan(2);
      for (const row of rows) expect(row.text, `--${row.flag}`).not.toBe("");
    },
  );

  it("shows examples and lists every sandbox fault kind", async () => {
    expect((await cli(["--help"])).stdout).toMatch(/Examples:\n[\s\S]*--discover > catalog\.json/);
    const sandbox = (await cli(["sandbox", "-h"])).stdout.replace(/\s+/g, " ");
    expect(sandbox).toContain(`kinds: ${FAULT_KINDS.join(", ")}`);
  });

  it("-v and --version print the version", async () => {
    expect((await cli(["-v"])).stdout.trim()).toBe(VERSION);
    expect((await cli(["--version"])).stdout.trim()).toBe(VERSION);
  });
});

describe("config sources", () => {
  const key = { api_key: "fp-secret-key-123" };
  const account = { account_id: "acc" };

  it("--log-level accepts Python's names (warning, CRITICAL) as aliases", async () => {
    const dir = tempDir();
    const config = writeJson(dir, "c.json", { ...key, ...account });
    for (const level of ["warning", "WARNING", "critical", "warn"]) {
      const { code, stderr } = await cli(["--config", config, "--discover", "--log-level", level]);
      expect(code, level).toBe(0);
      expect(stderr).toBe("");
    }
    expect((await cli(["--config", config, "--discover", "--log-level", "loud"])).code).toBe(2);
  });

  it("merges repeated --config files in order, later keys winning", async () => {
    const dir = tempDir();
    const a = writeJson(dir, "a.json", { ...key, page_size: 500 });
    const b = writeJson(dir, "b.json", { ...account, page_size: 50 });
    expect((await cli(["--config", a, "--config", b, "--discover"])).code).toBe(0);
    const reversed = await cli(["--config", b, "--config", a, "--discover"]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr.trim().split("\n")).toHaveLength(1);
    expect(reversed.stderr).toContain('"page_size" must be <= 100');
    expect(reversed.stderr).toContain(`config file ${b} + config file ${a}`);
  });

  it("--config ENV reads TAP_FIRSTPROMOTER_* variables, alone or under a file", async () => {
    const env = { TAP_FIRSTPROMOTER_API_KEY: key.api_key, TAP_FIRSTPROMOTER_ACCOUNT_ID: "acc" };
    expect((await cli(["--config", "ENV", "--discover"], env)).code).toBe(0);
    const missing = await cli(["--config", "ENV", "--discover"], { TAP_FIRSTPROMOTER_ACCOUNT_ID: "acc" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('TAP_FIRSTPROMOTER_* variables: missing required key "api_key"');
    const dir = tempDir();
    const file = writeJson(dir, "c.json", account);
    const merged = await cli(["--config", file, "--config", "ENV", "--discover"], {
      TAP_FIRSTPROMOTER_API_KEY: key.api_key,
    });
    expect(merged.code).toBe(0);
  });

  it("an unknown key is one WARNING naming it, not an error (Singer and Airbyte)", async () => {
    const dir = tempDir();
    const config = writeJson(dir, "c.json", {
      ...key,
      ...account,
      stream_maps: {},
      flattening_enabled: true,
    });
    const singer = await cli(["--config", config, "--discover"]);
    expect(singer.code).toBe(0);
    expect(singer.stderr.trim().split("\n")).toHaveLength(1);
    expect(singer.stderr).toMatch(
      /^(\S+ )?WARNING config: ignoring unknown keys "stream_maps", "flattening_enabled"\n$/,
    );
    const airbyte = await cli(["discover", "--config", config]);
    expect(airbyte.code).toBe(0);
    const messages = airbyte.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; log?: { level: string; message: string } });
    expect(messages.map((m) => m.type)).toEqual(["LOG", "CATALOG"]);
    expect(messages[0]!.log!.level).toBe("WARN");
    expect(messages[0]!.log!.message).toContain('"stream_maps"');
  });
});
