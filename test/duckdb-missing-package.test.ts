import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { CLI, tempDir, writeJson } from "./helpers/cli.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** A module hook that makes `@duckdb/node-api` unresolvable, as on an install without the optional package. */
const HIDE_DUCKDB = `export async function resolve(specifier, context, next) {
  if (specifier === "@duckdb/node-api" || specifier.startsWith("@duckdb/")) {
    const error = new Error("Cannot find package '" + specifier + "'");
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}`;

function runWithoutDuckDb(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const register = join(cwd, "hide-duckdb.mjs");
  writeJson(
    cwd,
    "hide-duckdb.mjs",
    `import { register } from "node:module";\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HIDE_DUCKDB)}`)});\n`,
  );
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_OPTIONS: `--import ${register}` },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("--to duckdb: without @duckdb/node-api installed", () => {
  it("ends with one line saying how to install it, exit 2, and writes nothing", async () => {
    let requests = 0;
    sandbox = await startSandbox({ size: 3, onRequest: () => requests++ });
    const dir = tempDir();
    const config = writeJson(dir, "config.json", sandbox.tapConfig());
    const before = readdirSync(dir).sort();
    const run = await runWithoutDuckDb(["--config", config, "--to", "duckdb:fp.duckdb"], dir);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^(\S+ )?CRITICAL .*npm install @duckdb\/node-api/);
    expect(existsSync(join(dir, "fp.duckdb"))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([...before, "hide-duckdb.mjs"].sort());
    expect(requests).toBe(0);
  }, 30_000);

  it("the hook hides only the optional package: Singer output still works", async () => {
    sandbox = await startSandbox({ size: 3 });
    const dir = tempDir();
    const config = writeJson(dir, "config.json", sandbox.tapConfig());
    const run = await runWithoutDuckDb(["--config", config], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/"type":"RECORD"/);
  }, 30_000);
});
