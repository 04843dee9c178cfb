import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { airbyteProblems } from "./helpers/airbyte-protocol.js";
import { catalogOf, logLines, runCli, tempDir, writeJson } from "./helpers/cli.js";

/**
 * A long sync you can watch: stderr of the CLI against a sandbox with some latency, with a short heartbeat.
 * promoter_details makes one request per promoter one at a time, so it runs long after campaigns is done.
 */
let sandbox: Sandbox;
let dir: string;
let config: string;
const PROMOTERS = 30;

beforeAll(async () => {
  sandbox = await startSandbox({ size: PROMOTERS, seed: 5, latencyMs: 15 });
  dir = tempDir();
  config = writeJson(
    dir,
    "config.json",
    sandbox.tapConfig({ requests_per_minute: 100_000, max_concurrency: 1, heartbeat_interval_s: 0.05 }),
  );
});
afterAll(async () => {
  await sandbox.close();
});

const timeOf = (line: string) => Date.parse(line.slice(0, 24));

describe("watching a sync on stderr", () => {
  it("time-stamps every line and says when each stream starts and finishes, as it happens", async () => {
    const catalog = writeJson(dir, "lifecycle.json", catalogOf(["campaigns", "promoter_details"]));
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(run.code, run.stderr).toBe(0);
    const lines = logLines(run.stderr);
    const raw = run.stderr.trim().split("\n");
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    for (const stream of ["campaigns", "promoter_details"]) {
      const started = at(new RegExp(`^INFO ${stream}: started, no bookmark`));
      const finished = at(
        new RegExp(`^INFO ${stream}: finished: \\d+ records, \\d+ pages, \\d+ requests in [\\d.]+ s$`),
      );
      expect(started, stream).toBeGreaterThanOrEqual(0);
      expect(finished, stream).toBeGreaterThan(started);
    }
    const campaignsDone = at(/^INFO campaigns: finished/);
    const detailsDone = at(/^INFO promoter_details: finished/);
    // campaigns said it was done while promoter_details still ran, not at exit
    const beatBetween = lines.findIndex(
      (l, i) => i > campaignsDone && i < detailsDone && /^INFO progress: .*promoter_details/.test(l),
    );
    expect(beatBetween, run.stderr).toBeGreaterThan(campaignsDone);
    expect(timeOf(raw[campaignsDone]!)).toBeLessThanOrEqual(timeOf(raw[detailsDone]!));
    expect(at(/^INFO sync done/)).toBeGreaterThan(detailsDone);
  }, 30_000);

  it("heartbeats carry counts, and a percentage and ETA where the total is known", async () => {
    const catalog = writeJson(dir, "heartbeat.json", catalogOf(["promoter_details"]));
    const run = await runCli(["--config", config, "--catalog", catalog]);
    expect(run.code, run.stderr).toBe(0);
    const beats = logLines(run.stderr).filter((l) => l.startsWith("INFO progress: "));
    expect(beats.length, run.stderr).toBeGreaterThan(0);
    for (const beat of beats) {
      expect(beat).toMatch(/promoter_details \d+ records, \d+ pages/);
      expect(beat).toMatch(/\d+\/100000 requests in the last minute, 0 rate-limited, 0 retries$/);
    }
    // one timer for the one request per promoter, not one per promoter
    const timers = logLines(run.stderr)
      .filter((l) => l.startsWith("INFO METRIC: ") && l.includes("http_request_duration"))
      .map((l) => (JSON.parse(l.slice("INFO METRIC: ".length)) as { tags: Record<string, unknown> }).tags);
    expect(new Set(timers.map((t) => t.endpoint))).toEqual(
      new Set(["company/promoters", "company/promoters/{id}"]),
    );
    expect(timers[0]).toMatchObject({ http_status_code: 200, status: "succeeded" });
    expect(
      beats.some((b) => new RegExp(`\\d+% of ${PROMOTERS} parents, ETA \\d+s`).test(b)),
      run.stderr,
    ).toBe(true);
  }, 30_000);

  it("--log-format json: one JSON object a line, with time, level, message, stream and fields", async () => {
    const catalog = writeJson(dir, "json.json", catalogOf(["campaigns"]));
    const run = await runCli(["--config", config, "--catalog", catalog, "--log-format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(["time", "level", "message", "stream", "fields"]);
      expect(Number.isNaN(Date.parse(line.time as string))).toBe(false);
    }
    const finished = lines.find(
      (l) => l.stream === "campaigns" && (l.fields as { event?: string }).event === "finished",
    );
    expect(finished?.level).toBe("INFO");
    expect(finished?.fields).toMatchObject({ records: sandbox.dataset.campaigns.length, pages: 1 });
  }, 30_000);

  it("a warning names the path, page and window, not the whole query string", async () => {
    sandbox.faults.add({ kind: "503", path: "company/reports/campaigns", count: 1 });
    const catalog = writeJson(dir, "report.json", catalogOf(["reports_campaigns"]));
    const fast = writeJson(
      dir,
      "fast.json",
      sandbox.tapConfig({ requests_per_minute: 100_000, backoff_base_s: 0.01 }),
    );
    const run = await runCli(["--config", fast, "--catalog", catalog]);
    sandbox.faults.clear();
    expect(run.code, run.stderr).toBe(0);
    const warnings = logLines(run.stderr).filter((l) => l.startsWith("WARNING"));
    expect(warnings, warnings.join("\n")).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^WARNING GET company\/reports\/campaigns, page 1, window \d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d: HTTP 503; retry 1 of 8/,
    );
    expect(warnings[0]!.length).toBeLessThan(200);
  }, 30_000);

  it("--log-level debug: one line per request and per checkpoint", async () => {
    const catalog = writeJson(dir, "debug.json", catalogOf(["campaigns"]));
    const run = await runCli(["--config", config, "--catalog", catalog, "--log-level", "debug"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = logLines(run.stderr);
    expect(lines).toContainEqual(
      expect.stringMatching(/^DEBUG GET company\/campaigns, page 1: HTTP 200, \d+ ms, \d+ bytes, attempt 1$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^DEBUG campaigns: checkpoint \{/));
  }, 30_000);

  it("an interrupted stream says it did not complete", async () => {
    const catalog = writeJson(dir, "interrupt.json", catalogOf(["promoter_details"]));
    let sent = false;
    const run = await runCli(["--config", config, "--catalog", catalog], {
      onLine: (line, child) => {
        if (!sent && line.includes('"type":"RECORD"')) {
          sent = true;
          child.kill("SIGTERM");
        }
      },
    });
    expect(run.code).toBe(143);
    const lines = logLines(run.stderr);
    expect(lines).toContainEqual(
      expect.stringMatching(/^WARNING promoter_details: interrupted, not complete, after \d+ records/),
    );
    expect(lines.some((l) => /promoter_details: finished/.test(l))).toBe(false);
  }, 30_000);
});

describe("Airbyte progress", () => {
  it("sends a valid TRACE ESTIMATE for a stream of one row per parent", async () => {
    const discover = await runCli(["discover", "--config", config]);
    const streams = (discover.messages[0]!.catalog as { streams: Array<Record<string, unknown>> }).streams;
    const catalog = writeJson(dir, "airbyte.json", {
      streams: streams
        .filter((s) => s.name === "promoter_details")
        .map((stream) => ({ stream, sync_mode: "full_refresh", destination_sync_mode: "append" })),
    });
    const run = await runCli(["read", "--config", config, "--catalog", catalog]);
    expect(run.code, run.stderr).toBe(0);
    for (const m of run.messages) expect(airbyteProblems(m)).toEqual([]);
    const estimates = run.messages
      .filter((m) => m.type === "TRACE" && (m.trace as { type: string }).type === "ESTIMATE")
      .map((m) => (m.trace as { estimate: { name: string; row_estimate: number } }).estimate);
    expect(estimates).toEqual([{ name: "promoter_details", type: "STREAM", row_estimate: PROMOTERS }]);
  }, 30_000);

  it("sends valid TRACE ESTIMATEs for reports, child streams and single-page lists; the last is exact", async () => {
    const fast = writeJson(dir, "estimate-config.json", sandbox.tapConfig({ requests_per_minute: 100_000 }));
    const discover = await runCli(["discover", "--config", fast]);
    const streams = (discover.messages[0]!.catalog as { streams: Array<Record<string, unknown>> }).streams;
    const catalog = writeJson(dir, "airbyte-all.json", {
      streams: streams.map((stream) => ({
        stream,
        sync_mode: (stream.supported_sync_modes as string[]).at(-1),
        destination_sync_mode: "append",
      })),
    });
    const run = await runCli(["read", "--config", fast, "--catalog", catalog]);
    expect(run.code, run.stderr).toBe(0);
    for (const m of run.messages) expect(airbyteProblems(m), JSON.stringify(m)).toEqual([]);
    const records = new Map<string, number>();
    const estimates = new Map<string, number[]>();
    const firstRecord = new Map<string, number>();
    const firstEstimate = new Map<string, number>();
    run.messages.forEach((m, i) => {
      if (m.type === "RECORD") {
        const name = (m.record as { stream: string }).stream;
        records.set(name, (records.get(name) ?? 0) + 1);
        if (!firstRecord.has(name)) firstRecord.set(name, i);
      }
      const trace = m.trace as {
        type: string;
        estimate?: { name: string; type: string; row_estimate: number };
      };
      if (m.type === "TRACE" && trace.type === "ESTIMATE") {
        const { name, type, row_estimate } = trace.estimate!;
        expect(type).toBe("STREAM");
        estimates.set(name, [...(estimates.get(name) ?? []), row_estimate]);
        if (!firstEstimate.has(name)) firstEstimate.set(name, i);
      }
    });
    // the size is known before the first row: account-wide report (one row per period), one row per parent,
    // a list that fits one page
    for (const name of ["reports_overview", "promoter_details", "campaigns", "payouts_stats"]) {
      expect(estimates.get(name), name).toEqual([records.get(name)]);
      expect(firstEstimate.get(name)!, name).toBeLessThan(firstRecord.get(name)!);
    }
    // extrapolated and refined as windows or parent pages are read; exact once all are read
    const refined = [
      "reports_campaigns",
      "reports_promoters",
      "reports_traffic_sources",
      "reports_urls",
      "promoter_payout_methods",
      "referral_links",
      "webhook_deliveries",
    ];
    for (const name of refined) {
      expect(records.get(name), name).toBeGreaterThan(0);
      expect(estimates.get(name)?.at(-1), name).toBe(records.get(name));
    }
    expect(estimates.get("reports_promoters")!.length).toBeGreaterThan(1);
    // a list of several pages without a total in the body has no size to tell
    expect(records.get("commissions")).toBeGreaterThan(100);
    expect(estimates.has("commissions")).toBe(false);
  }, 60_000);

  it("an interrupted read ends its running stream INCOMPLETE", async () => {
    const discover = await runCli(["discover", "--config", config]);
    const streams = (discover.messages[0]!.catalog as { streams: Array<Record<string, unknown>> }).streams;
    const catalog = writeJson(dir, "airbyte-interrupt.json", {
      streams: streams
        .filter((s) => s.name === "promoter_details")
        .map((stream) => ({ stream, sync_mode: "full_refresh", destination_sync_mode: "append" })),
    });
    let sent = false;
    const run = await runCli(["read", "--config", config, "--catalog", catalog], {
      onLine: (line, child) => {
        if (!sent && line.includes('"type":"RECORD"')) {
          sent = true;
          child.kill("SIGTERM");
        }
      },
    });
    expect(run.code).toBe(143);
    for (const m of run.messages) expect(airbyteProblems(m)).toEqual([]);
    const statuses = run.messages
      .filter((m) => m.type === "TRACE" && (m.trace as { type: string }).type === "STREAM_STATUS")
      .map((m) => (m.trace as { stream_status: { status: string } }).stream_status.status);
    expect(statuses).toEqual(["STARTED", "RUNNING", "INCOMPLETE"]);
    const logs = run.messages
      .filter((m) => m.type === "LOG")
      .map((m) => (m.log as { message: string }).message);
    expect(logs).toContainEqual(expect.stringMatching(/^promoter_details: interrupted, not complete/));
  }, 30_000);
});
