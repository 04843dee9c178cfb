import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_KINDS } from "../sandbox/src/faults.js";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import {
  CLI,
  catalogOf,
  lastSingerState,
  logLines,
  runCli,
  singerRecords,
  spawnCli,
  tempDir,
  writeJson,
} from "./helpers/cli.js";
import { expectNoSecrets } from "./helpers/secrets.js";
import { settled, waitFor } from "./helpers/wait.js";

const SECRET = "sk_live_9f8e7d6c5b4a_SECRET";
type Row = Record<string, unknown>;

function expectNoSecret(...outputs: string[]): void {
  for (const out of outputs) {
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain("password_setup_url");
    expect(out).not.toMatch(/Bearer [^*]/);
  }
}

let sandbox: Sandbox;
let dir: string;
let catalog: string;
const STREAMS = ["commissions", "promoters", "referrals"];

beforeAll(async () => {
  sandbox = await startSandbox({ size: 10, seed: 11, apiKey: SECRET, slowMs: 1500 });
  dir = tempDir();
  catalog = writeJson(dir, "catalog.json", catalogOf(STREAMS));
});
afterAll(async () => {
  await sandbox.close();
});

function config(extra: Row = {}): string {
  return writeJson(
    dir,
    `config-${Math.random().toString(36).slice(2)}.json`,
    sandbox.tapConfig({
      requests_per_minute: 100_000,
      page_size: 10,
      backoff_base_s: 0.05,
      backoff_max_s: 0.2,
      request_timeout_s: 0.5,
      ...extra,
    }),
  );
}

function expectComplete(messages: Row[]): void {
  const records = singerRecords(messages);
  for (const [stream, rows] of [
    ["commissions", sandbox.dataset.commissions],
    ["promoters", sandbox.dataset.promoters],
    ["referrals", sandbox.dataset.referrals],
  ] as const) {
    const got = new Set((records.get(stream) ?? []).map((r) => r.id));
    expect(got.size, stream).toBe(rows.length);
  }
}

describe("fault matrix: transient faults are retried and the sync completes", () => {
  const kinds = FAULT_KINDS.filter((k) => k !== "401");
  it.each(kinds)(
    "%s on the second page of commissions",
    async (kind) => {
      sandbox.faults.add({ kind, path: "company/commissions", after: 1, count: 2 });
      const run = await runCli(["--config", config(), "--catalog", catalog, "--log-level", "debug"]);
      expect(run.code, run.stderr).toBe(0);
      expectComplete(run.messages);
      // a 429 while other streams' requests are answered is the shared quota, not counted as a retry
      expect(run.stderr).toMatch(
        /WARNING GET company\/commissions, page 2: .*(retry 1 of 8|retry in .*, not counted toward the 8 retries)/,
      );
      expectNoSecret(run.stdout, run.stderr);
    },
    30_000,
  );
});

describe("failures that end the sync", () => {
  it("names stream, endpoint and cause when retries run out, and its last STATE resumes", async () => {
    sandbox.faults.add({
      kind: "503",
      path: "company/commissions",
      after: 2,
      count: Number.POSITIVE_INFINITY,
    });
    const run = await runCli(["--config", config({ max_retries: 2 }), "--catalog", catalog]);
    sandbox.faults.clear();
    expect(run.code).toBe(1);
    const critical = logLines(run.stderr).filter((l) => l.startsWith("CRITICAL"));
    expect(critical).toEqual([
      expect.stringMatching(
        /^CRITICAL stream commissions failed: gave up after 3 tries: HTTP 503 \(GET company\/commissions\?sorting\[created_at\]=asc&page=3&per_page=10\)$/,
      ),
    ]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.messages.at(-1)!.type).toBe("STATE");
    expectNoSecret(run.stdout, run.stderr);
    // the other streams completed; commissions resumes from its last bookmark
    const state = writeJson(dir, "resume.json", lastSingerState(run.messages)!);
    const resumed = await runCli(["--config", config(), "--catalog", catalog, "--state", state]);
    expect(resumed.code).toBe(0);
    const union = new Set(
      [...run.messages, ...resumed.messages]
        .filter((m) => m.type === "RECORD" && m.stream === "commissions")
        .map((m) => (m.record as Row).id),
    );
    expect(union.size).toBe(sandbox.dataset.commissions.length);
  }, 30_000);

  it("does not retry a 401 and says to check api_key", async () => {
    sandbox.faults.add({ kind: "401", count: Number.POSITIVE_INFINITY });
    const before = sandbox.stats.requests;
    const run = await runCli(["--config", config(), "--catalog", catalog, "--log-level", "debug"]);
    sandbox.faults.clear();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/CRITICAL sync stopped: authentication failed \(HTTP 401\): check api_key/);
    // the first 401 stops the sync: no other request
    expect(sandbox.stats.requests - before).toBe(1);
    expectNoSecret(run.stdout, run.stderr);
  });

  it("says a rejected key in one line, after one request", async () => {
    sandbox.faults.add({ kind: "401", count: Number.POSITIVE_INFINITY });
    const before = sandbox.stats.requests;
    const run = await runCli(["--config", config(), "--catalog", catalog]);
    sandbox.faults.clear();
    expect(run.code).toBe(1);
    expect(sandbox.stats.requests - before).toBe(1);
    expect(logLines(run.stderr)).toEqual([
      // the account's failure, not pinned on whichever stream's request met it first
      expect.stringMatching(/^CRITICAL sync stopped: authentication failed \(HTTP 401\): check api_key/),
    ]);
  });

  it("rejects a wrong key with a clear line, never printing the key", async () => {
    const bad = writeJson(dir, "bad-key.json", { ...sandbox.tapConfig(), api_key: `${SECRET}-wrong` });
    const run = await runCli(["--config", bad, "--catalog", catalog, "--log-level", "debug"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/authentication failed \(HTTP 401\)/);
    expectNoSecret(run.stdout, run.stderr);
  });
});

describe("bad input gets one clear line and a non-zero exit", () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    [
      "missing config file",
      () => ["--config", join(dir, "nope.json")],
      /config file .*nope.json: cannot read it \(file not found\)/,
    ],
    [
      "non-JSON config",
      () => ["--config", writeJson(dir, "x.json", "{api_key:")],
      /config file .*: not valid JSON/,
    ],
    ["empty config", () => ["--config", writeJson(dir, "e.json", "")], /config file .*: the file is empty/],
    [
      "missing api_key",
      () => ["--config", writeJson(dir, "m.json", { account_id: "a" })],
      /missing required key "api_key"/,
    ],
    [
      "invalid start_date",
      () => ["--config", writeJson(dir, "d.json", { ...sandbox.tapConfig(), start_date: "last tuesday" })],
      /"start_date" has an invalid format/,
    ],
    [
      "catalog naming an unknown stream",
      () => ["--config", config(), "--catalog", writeJson(dir, "c.json", catalogOf(["orders"]))],
      /catalog file .*: unknown stream "orders"/,
    ],
    [
      "non-JSON catalog",
      () => ["--config", config(), "--catalog", writeJson(dir, "c2.json", "[")],
      /catalog file .*: not valid JSON/,
    ],
    [
      "malformed state",
      () => [
        "--config",
        config(),
        "--state",
        writeJson(dir, "s.json", { bookmarks: { commissions: { replication_key_value: 12 } } }),
      ],
      /state file .*: bookmark of stream "commissions" must be an ISO 8601 date string/,
    ],
    ["missing --config", () => [], /missing --config/],
    ["unknown flag", () => ["--config", config(), "--bogus"], /Unknown argument: bogus/],
  ];
  it.each(cases)("%s", async (_name, args, message) => {
    const run = await runCli(args());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const lines = logLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^CRITICAL /);
    expect(lines[0]).toMatch(message);
    expectNoSecret(run.stderr);
  });

  it("shows the stack only at debug level", async () => {
    const run = await runCli(["--config", join(dir, "nope.json"), "--log-level", "debug"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\n\s+at /);
  });
});

describe("stdout and signals", () => {
  it("stops fetching while stdout is full, then finishes when the reader resumes", async () => {
    // more pages than the pipe, stdout's buffer and the pages requested ahead (16) can hold together
    const big = await startSandbox({ size: 400, seed: 2 });
    try {
      const cfg = writeJson(dir, "big.json", big.tapConfig({ requests_per_minute: 100_000 }));
      const child = spawnCli([
        "--config",
        cfg,
        "--catalog",
        writeJson(dir, "big-cat.json", catalogOf(["commissions", "referrals"])),
      ]);
      child.stdout!.pause();
      // from the first request on (a loaded machine can take a second to start the process), the count of
      // requests reaches a plateau while nobody reads: the tap waits for stdout instead of fetching on
      await waitFor(() => big.stats.requests > 0, "the first request");
      const stalled = await settled(() => big.stats.requests, "the sandbox's request count");
      expect(child.exitCode).toBeNull();
      let records = 0;
      let pending = "";
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        const lines = (pending + chunk).split("\n");
        pending = lines.pop()!;
        records += lines.filter((l) => l.startsWith('{"type":"RECORD"')).length;
      });
      child.stdout!.resume();
      const code = await new Promise((r) => child.on("close", r));
      expect(code).toBe(0);
      expect(records).toBe(big.dataset.commissions.length + big.dataset.referrals.length);
      expect(big.stats.requests).toBeGreaterThan(stalled);
    } finally {
      await big.close();
    }
  }, 60_000);

  it("exits quietly when the reader closes the pipe (| head -n 5)", async () => {
    const out = join(dir, "head");
    const cfg = config();
    const script = `node ${CLI} --config ${cfg} 2>${out}.err | head -n 5 > ${out}.out; echo \${PIPESTATUS[0]} > ${out}.code`;
    await new Promise((resolve, reject) => {
      const child = spawn("bash", ["-c", script], { stdio: "ignore" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("close", () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      child.on("error", reject);
    });
    expect(readFileSync(`${out}.out`, "utf8").trim().split("\n")).toHaveLength(5);
    expect(readFileSync(`${out}.code`, "utf8").trim()).toBe("141");
    expect(readFileSync(`${out}.err`, "utf8")).not.toMatch(/ERROR|CRITICAL|EPIPE|\n\s+at /);
    expectNoSecrets(
      { stdout: readFileSync(`${out}.out`, "utf8"), stderr: readFileSync(`${out}.err`, "utf8") },
      ["--config", cfg],
    );
  }, 30_000);

  it("on SIGTERM stops fetching, ends with the last STATE and exits non-zero", async () => {
    const slow = await startSandbox({ size: 40, seed: 4, latencyMs: 40 });
    try {
      const cfg = writeJson(dir, "slow.json", slow.tapConfig({ requests_per_minute: 100_000, page_size: 5 }));
      // mid-sync: after the first checkpoint that follows records (a slow sandbox: many pages still to go)
      let records = false;
      let sent = false;
      const run = await runCli(["--config", cfg, "--catalog", catalog], {
        onLine: (line, child) => {
          if (line.includes('"type":"RECORD"')) records = true;
          else if (records && !sent && line.includes('"type":"STATE"')) {
            sent = true;
            child.kill("SIGTERM");
          }
        },
      });
      expect(sent).toBe(true);
      expect(run.code).toBe(143);
      expect(run.messages.at(-1)!.type).toBe("STATE");
      expect(run.stderr).toMatch(/stopped by SIGTERM; the last STATE stands/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await slow.close();
    }
  }, 30_000);
});
