import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI, tempDir } from "./helpers/cli.js";

/**
 * `demo` writes its sandbox config (and the Airbyte catalog) into a temporary directory: it is removed however
 * the demo ends, including a write error on stdout that exits the process from inside the sync.
 */
function demo(args: string[], stdout: number | "pipe"): { tmp: string; status: number | null } {
  const tmp = tempDir();
  const run = spawnSync(process.execPath, [CLI, "demo", ...args], {
    stdio: ["ignore", stdout, "pipe"],
    env: { ...process.env, TMPDIR: tmp },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { tmp, status: run.status };
}

describe("demo temporary files", () => {
  it("are removed after a demo that succeeds", () => {
    const { tmp, status } = demo(["--singer", "--size", "2"], "pipe");
    expect(status).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);

  it.skipIf(!existsSync("/dev/full"))(
    "are removed when stdout fails (a full disk) and the process exits at once",
    () => {
      for (const args of [["--singer"], ["--airbyte"]]) {
        const full = openSync("/dev/full", "w");
        try {
          const { tmp, status } = demo([...args, "--size", "2"], full);
          expect(status, args.join(" ")).toBe(1);
          expect(readdirSync(tmp), args.join(" ")).toEqual([]);
        } finally {
          closeSync(full);
        }
      }
    },
    60_000,
  );
});
