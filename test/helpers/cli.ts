import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expectNoSecrets } from "./secrets.js";

/** The built CLI: end-to-end tests run exactly what users run (`npm test` builds first). */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed line by line */
  messages: Array<Record<string, unknown>>;
}

/** A fresh directory under the run's temporary root (test/global-setup.ts removes it when the run ends). */
export function tempDir(): string {
  return mkdtempSync(join(process.env.TAP_FP_TEST_TMP ?? tmpdir(), "tap-fp-test-"));
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

function launch(args: string[], cwd?: string): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd ? { cwd } : {}),
  });
}

/** `sandbox` prints a tap config, key included, on purpose: the one command whose output may hold it. */
const scanned = (args: string[]) => args[0] !== "sandbox";

/**
 * The CLI as a child process, for tests that drive it themselves. Its outputs are scanned for secrets when
 * it ends; a leak is thrown outside the test's own code (an unhandled error, which fails the run), since
 * the test may never await anything of the child's.
 */
export function spawnCli(args: string[], cwd?: string): ChildProcess {
  const child = launch(args, cwd);
  if (!scanned(args)) return child;
  const seen = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk: Buffer | string) => {
    seen.stdout += String(chunk);
  });
  child.stderr!.on("data", (chunk: Buffer | string) => {
    seen.stderr += String(chunk);
  });
  child.on("close", () => {
    try {
      expectNoSecrets(seen, args, cwd ? { cwd } : {});
    } catch (leak) {
      setImmediate(() => {
        throw leak;
      });
    }
  });
  return child;
}

/**
 * Runs the CLI to completion; `onLine` sees each stdout line as it arrives (to kill mid-sync). Rejects when
 * stdout or stderr holds a secret of the run (test/helpers/secrets.ts): every end-to-end run is scanned.
 */
export function runCli(
  args: string[],
  options: { onLine?: (line: string, child: ChildProcess) => void; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  const child = launch(args, options.cwd);
  let stdout = "";
  let stderr = "";
  let pending = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (!options.onLine) return;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) options.onLine(line, child);
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      try {
        if (scanned(args)) expectNoSecrets({ stdout, stderr }, args, options.cwd ? { cwd: options.cwd } : {});
      } catch (leak) {
        reject(leak);
        return;
      }
      resolve({ code, signal, stdout, stderr, messages: parseLines(stdout) });
    });
  });
}

type Msg = Record<string, unknown>;

/** Records of a Singer run grouped by stream. */
export function singerRecords(messages: Msg[]): Map<string, Msg[]> {
  const out = new Map<string, Msg[]>();
  for (const m of messages) {
    if (m.type !== "RECORD") continue;
    const list = out.get(m.stream as string) ?? [];
    list.push(m.record as Msg);
    out.set(m.stream as string, list);
  }
  return out;
}

/** The last Singer STATE value of a run. */
export function lastSingerState(messages: Msg[]): Msg | undefined {
  const states = messages.filter((m) => m.type === "STATE");
  return states.at(-1)?.value as Msg | undefined;
}

/** One JSON message per line; a document that is not line-delimited (pretty `--discover`) gives none. */
function parseLines(stdout: string): Msg[] {
  try {
    return stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Msg);
  } catch {
    return [];
  }
}

/** A Singer catalog selecting the named streams (schemas come from the tap's own). */
export function catalogOf(streams: string[]) {
  return {
    streams: streams.map((name) => ({
      tap_stream_id: name,
      stream: name,
      schema: { type: "object", properties: {} },
      metadata: [{ breadcrumb: [], metadata: { selected: true } }],
    })),
  };
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /;

/**
 * stderr log lines without their leading time, after checking each starts with a UTC ISO 8601 time that
 * parses: what follows is singer-python's `LEVEL message`.
 */
export function logLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const stamp = STAMP.exec(l);
      if (!stamp || Number.isNaN(Date.parse(stamp[1]!))) throw new Error(`log line without a time: ${l}`);
      return l.slice(stamp[0].length);
    });
}
