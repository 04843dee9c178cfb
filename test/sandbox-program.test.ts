import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import * as sandboxEntry from "../sandbox/src/main.js";
import {
  loadSandbox,
  SANDBOX_ENTRY,
  SandboxMissingError,
  type SandboxProgram,
  withSandbox,
} from "../src/app/sandbox-program.js";
import { tempDir } from "./helpers/cli.js";

/**
 * The door from the tap to the sandbox program (src/app/sandbox-program.ts): the tap finds the sandbox's build
 * by path at run time, and an installation without it (the npm package, the Docker image) says so in one line.
 */

// tsc: the sandbox's real entry point provides what the tap's interface expects of it
const typed: SandboxProgram = sandboxEntry;

describe("sandbox program", () => {
  it("the entry path is the sandbox's build in a checkout", () => {
    expect(SANDBOX_ENTRY.pathname.endsWith("/sandbox/dist/main.js")).toBe(true);
    expect(existsSync(SANDBOX_ENTRY)).toBe(true);
    expect(typeof typed.sandboxMain).toBe("function");
  });

  it("loads the built sandbox and serves a tap config on 127.0.0.1", async () => {
    const program = await loadSandbox();
    const sandbox = await program.startSandbox({ size: 2 });
    try {
      expect(sandbox.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
      const res = await fetch(`${sandbox.baseUrl}/company/promoters`, {
        headers: {
          Authorization: `Bearer ${sandbox.tapConfig().api_key}`,
          "Account-ID": String(sandbox.tapConfig().account_id),
        },
      });
      expect(res.status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it("an installation without the sandbox gets one clear error, not a stack trace", async () => {
    const absent = new URL("../no-such-sandbox/dist/main.js", SANDBOX_ENTRY);
    const error = await loadSandbox(absent).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxMissingError);
    expect((error as Error).message).toContain("not part of this installation");
    expect((error as Error).message).toContain(absent.pathname);
    expect((error as Error).message).not.toContain("\n");
  });

  it("a sandbox that exists but fails to load keeps its own error", async () => {
    // the entry exists but imports a missing file: a broken build, not an absent sandbox
    const dir = tempDir();
    writeFileSync(join(dir, "main.js"), 'import "./missing-dependency.js";\n');
    const error = await loadSandbox(pathToFileURL(join(dir, "main.js"))).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SandboxMissingError);
    expect((error as NodeJS.ErrnoException).code).toBe("ERR_MODULE_NOT_FOUND");
    expect((error as Error).message).toContain("missing-dependency.js");
  });

  it("withSandbox runs the command with the loaded program and returns its exit code", async () => {
    const code = await withSandbox(async (program) => {
      expect(typeof program.sandboxMain).toBe("function");
      return 7;
    });
    expect(code).toBe(7);
  });

  it("withSandbox prints one CRITICAL line and exits 1 when the sandbox is absent", async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const code = await withSandbox(async () => 0, new URL("../no-such-sandbox/main.js", SANDBOX_ENTRY));
      expect(code).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z CRITICAL the sandbox is not part of this installation/);
  });
});
