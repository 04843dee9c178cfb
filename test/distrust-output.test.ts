import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI, tempDir, writeJson } from "./helpers/cli.js";
import { expectNoSecrets } from "./helpers/secrets.js";

describe("output write errors (issue 14)", () => {
  it.skipIf(!existsSync("/dev/full"))(
    "stdout on a full disk ends with one line and exit 1",
    () => {
      const config = writeJson(tempDir(), "config.json", { api_key: "k-123456", account_id: "acc" });
      for (const args of [
        ["demo"],
        ["demo", "--airbyte"],
        ["discover", "--config", config],
        ["--config", config, "--discover"],
      ]) {
        const full = openSync("/dev/full", "w");
        const run = spawnSync(process.execPath, [CLI, ...args], {
          stdio: ["ignore", full, "pipe"],
          encoding: "utf8",
          timeout: 30_000,
        });
        closeSync(full);
        expectNoSecrets({ stderr: run.stderr }, args);
        expect(run.status, args.join(" ")).not.toBe(0);
        expect(run.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
        if (args[0] === "demo") {
          expect(run.status).toBe(1);
          expect(run.stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z CRITICAL cannot write to stdout: ENOSPC$/m);
        }
      }
    },
    60_000,
  );

  it.skipIf(!existsSync("/dev/full"))("the write-error line follows --log-format json", () => {
    const full = openSync("/dev/full", "w");
    const run = spawnSync(process.execPath, [CLI, "demo", "--singer", "--log-format", "json"], {
      stdio: ["ignore", full, "pipe"],
      encoding: "utf8",
      timeout: 30_000,
    });
    closeSync(full);
    expect(run.status).toBe(1);
    const last = JSON.parse(run.stderr.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ level: "CRITICAL", message: "cannot write to stdout: ENOSPC" });
  });

  it.skipIf(!existsSync("/dev/full"))(
    "a stderr that cannot be written (full disk) ends the run with exit 1, no crash, every stdout line whole",
    () => {
      // (Airbyte logs go to stdout as LOG messages: only Singer writes stderr)
      for (const args of [
        ["demo", "--singer"],
        ["demo", "--singer", "--log-format", "json"],
      ]) {
        const full = openSync("/dev/full", "w");
        const run = spawnSync(process.execPath, [CLI, ...args], {
          stdio: ["ignore", "pipe", full],
          encoding: "utf8",
          timeout: 30_000,
          maxBuffer: 256 * 1024 * 1024,
        });
        closeSync(full);
        expect(run.status, args.join(" ")).toBe(1);
        expect(run.signal).toBeNull();
        expectNoSecrets({ stdout: run.stdout }, args);
        // the run stopped at a write boundary: no half-written message on stdout
        for (const line of run.stdout.split("\n").filter(Boolean))
          expect(() => JSON.parse(line)).not.toThrow();
      }
    },
    60_000,
  );
});
