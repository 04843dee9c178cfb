import { existsSync } from "node:fs";

/**
 * The one door from the tap to the sandbox, a separate program (sandbox/, built to sandbox/dist/) that the npm
 * package and the Docker image do not contain. It is found by path at run time, never imported, so the tap's
 * code and its build do not depend on it; test/import-boundaries.test.ts keeps it that way.
 * The interfaces say what the tap uses of it; test/sandbox-program.test.ts checks the real module against them.
 */

/** What `sandbox` passes on (the options parsed by src/cli.ts). */
export interface SandboxCommandArgs {
  port: number;
  host: string;
  size: number;
  seed: number;
  rateLimit?: number | undefined;
  retryAfter: "none" | "seconds" | "date";
  latencyMs: number;
  drift?: boolean | undefined;
  fault?: string[] | undefined;
  faults?: string | undefined;
}

export interface RunningSandbox {
  baseUrl: string;
  tapConfig(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export interface SandboxProgram {
  sandboxMain(args: SandboxCommandArgs): Promise<number>;
  startSandbox(options?: { size?: number }): Promise<RunningSandbox>;
}

/** dist/app/ and src/app/ are both two levels below the checkout, so one relative path serves both. */
export const SANDBOX_ENTRY = new URL("../../sandbox/dist/main.js", import.meta.url);

export class SandboxMissingError extends Error {}

export async function loadSandbox(entry: URL = SANDBOX_ENTRY): Promise<SandboxProgram> {
  // absent entry: not installed; an entry that fails to load is a broken build and keeps its own error
  if (!existsSync(entry)) {
    throw new SandboxMissingError(
      `the sandbox is not part of this installation (it lives in a source checkout: git clone, npm ci, then ${entry.pathname} exists)`,
    );
  }
  return (await import(entry.href)) as SandboxProgram;
}

/** Runs `use` with the sandbox program, or says in one line that it is absent (exit code 1). */
export async function withSandbox(
  use: (program: SandboxProgram) => Promise<number>,
  entry: URL = SANDBOX_ENTRY,
): Promise<number> {
  let program: SandboxProgram;
  try {
    program = await loadSandbox(entry);
  } catch (error) {
    if (!(error instanceof SandboxMissingError)) throw error;
    process.stderr.write(`${new Date().toISOString()} CRITICAL ${error.message}\n`);
    return 1;
  }
  return await use(program);
}
