import { afterEach, describe, expect, it } from "vitest";
import { parseFaultSpec } from "../sandbox/src/faults.js";
import { type Sandbox, type SandboxOptions, startSandbox } from "../sandbox/src/server.js";
import { catalogOf, runCli, singerRecords, tempDir, writeJson } from "./helpers/cli.js";

type Row = Record<string, unknown>;
const STREAMS = ["commissions", "promoters", "referrals"] as const;
const PAGE_SIZE = 10;

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ size: 10, seed: 15, ...options });
  return sandbox;
}

function files(s: Sandbox, extra: Row = {}) {
  const dir = tempDir();
  return {
    config: writeJson(
      dir,
      "config.json",
      s.tapConfig({
        requests_per_minute: 100_000,
        page_size: PAGE_SIZE,
        backoff_base_s: 0.05,
        backoff_max_s: 0.3,
        ...extra,
      }),
    ),
    catalog: writeJson(dir, "catalog.json", catalogOf([...STREAMS])),
  };
}

function expectComplete(s: Sandbox, messages: Row[]): void {
  const records = singerRecords(messages);
  for (const stream of STREAMS) {
    const got = new Set((records.get(stream) ?? []).map((r) => r.id));
    expect(got.size, stream).toBe(s.dataset[stream].length);
  }
}

interface Summary {
  requests: number;
  retries: number;
  rateLimited: number;
  cancelled: number;
  unusedAhead: number;
  /** pages with rows, per the streams' summary lines */
  pages: number;
  /** requests per the METRIC timers */
  timed: number;
}

function summaryOf(stderr: string): Summary {
  const m =
    /sync done in [\d.]+ s: (\d+) requests, (\d+) retries, (\d+) rate-limited, (\d+) cancelled, (\d+) requested ahead and unused/.exec(
      stderr,
    );
  expect(m, stderr.slice(-2000)).not.toBeNull();
  const pages = [...stderr.matchAll(/INFO \w+: finished: \d+ records, (\d+) pages/g)].reduce(
    (n, p) => n + Number(p[1]),
    0,
  );
  const timed = stderr
    .split("\n")
    .filter((l) => l.includes("INFO METRIC: "))
    .map(
      (l) =>
        JSON.parse(l.slice(l.indexOf("INFO METRIC: ") + "INFO METRIC: ".length)) as {
          metric: string;
          tags: { requests?: number };
        },
    )
    .filter((metric) => metric.metric === "http_request_duration")
    .reduce((n, metric) => n + (metric.tags.requests ?? 0), 0);
  const [requests, retries, rateLimited, cancelled, unusedAhead] = m!.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { requests, retries, rateLimited, cancelled, unusedAhead, pages, timed };
}

/** One sync of the three streams against `s`: it must succeed with every record; its run and summary line. */
async function completeSync(s: Sandbox, extra: Row = {}) {
  const { config, catalog } = files(s, extra);
  const run = await runCli(["--config", config, "--catalog", catalog]);
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  expectComplete(s, run.messages);
  return { run, sum: summaryOf(run.stderr) };
}

describe("a rate limit shared with other clients", () => {
  it("sends no more than 1.05 x the requests a sequential reader needs, and counts them honestly", async () => {
    const s = await start();
    const { run, sum } = await completeSync(s);
    // a sequential reader: every page with rows, plus at most one empty page per list
    expect(sum.requests).toBeGreaterThanOrEqual(sum.pages);
    expect(sum.requests).toBeLessThanOrEqual(Math.floor(1.05 * (sum.pages + STREAMS.length)));
    expect(sum.unusedAhead).toBe(0);
    // the summary, the METRIC timers and the server agree
    expect(sum.requests).toBe(s.stats.requests);
    expect(sum.timed + sum.cancelled).toBe(sum.requests);
    expect(run.stderr).not.toMatch(/answered 429/);
  }, 60_000);

  it("counts pages asked ahead and cancelled at a list's end once settled: streams, summary and server agree", async () => {
    // lists of 20+ full pages get pages asked ahead; their ends cancel some, answered or not, a few ms later
    const s = await start({ size: 250, latencyMs: 5 });
    for (let i = 0; i < 3; i++) {
      s.stats.requests = 0;
      const { run, sum } = await completeSync(s);
      const perStream = [...run.stderr.matchAll(/INFO \w+: finished: .*, (\d+) requests in/g)].map((m) =>
        Number(m[1]),
      );
      expect(perStream).toHaveLength(STREAMS.length);
      expect(perStream.reduce((a, b) => a + b, 0)).toBe(sum.requests);
      expect(sum.requests).toBe(s.stats.requests);
      expect(sum.timed + sum.cancelled).toBe(sum.requests);
    }
  }, 60_000);

  it("gets every record under sporadic 429s (every 10th request, Retry-After: 1)", async () => {
    const s = await start({ faults: [parseFaultSpec("429-seconds:*::every=10")] });
    const { sum } = await completeSync(s);
    expect(sum.rateLimited).toBeGreaterThan(0);
    expect(sum.rateLimited).toBe(s.stats.faults);
    expect(sum.requests).toBe(s.stats.requests);
    expect(sum.timed + sum.cancelled).toBe(sum.requests);
  }, 60_000);

  it("says once, at the end, that many 429s call for a lower requests_per_minute", async () => {
    const s = await start({ faults: [parseFaultSpec("429-seconds:*::every=3")] });
    const { run, sum } = await completeSync(s);
    expect(sum.rateLimited).toBeGreaterThanOrEqual(5);
    const hint = run.stderr.split("\n").filter((line) => line.includes("answered 429"));
    expect(hint).toHaveLength(1);
    expect(hint[0]).toMatch(
      new RegExp(
        `WARNING ${sum.rateLimited} of ${sum.requests} requests were answered 429: other clients share the account's quota, or it is below requests_per_minute \\(100000\\); a lower requests_per_minute keeps this sync under it`,
      ),
    );
  }, 60_000);

  it("waits out one endpoint's day-long Retry-After on that endpoint alone, capped at backoff_max_s", async () => {
    const s = await start({
      faults: [parseFaultSpec("429-seconds:3:company/referrals:retry_after=86400")],
    });
    const { config, catalog } = files(s);
    const run = await runCli(["--config", config, "--catalog", catalog], { timeoutMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    expectComplete(s, run.messages);
    expect(run.stderr).toMatch(
      /WARNING GET company\/referrals\b.*HTTP 429; retry (1 of 8 )?in 0\.3 s \(the server asked for longer; backoff_max_s caps a wait\)/,
    );
    expect(summaryOf(run.stderr).rateLimited).toBe(3);
  }, 60_000);

  it("completes a sync under a quota far below requests_per_minute, as the documented API answers it (no Retry-After)", async () => {
    // 10 requests per sliding second: the tap's budget (100,000 a minute) never binds, the quota does
    const s = await start({ rateLimit: { requests: 10, windowMs: 1_000, retryAfter: "none" } });
    const { run, sum } = await completeSync(s, { max_retries: 3 });
    expect(sum.rateLimited).toBe(s.stats.rateLimited);
    expect(sum.requests).toBe(s.stats.requests);
    expect(sum.timed + sum.cancelled).toBe(sum.requests);
    // more 429s than 3 retries a request: the ones while other requests got through were not counted
    expect(sum.rateLimited).toBeGreaterThan(3);
    expect(run.stderr).toMatch(/requests were answered 429: .*a lower requests_per_minute/);
  }, 60_000);

  it("completes two concurrent syncs of one account under the account's real policy", async () => {
    // 25 requests per sliding second for the account, more than either sync's budget allows for
    const s = await start({ rateLimit: { requests: 25, windowMs: 1_000, retryAfter: "seconds" } });
    const a = files(s, { max_retries: 20, backoff_max_s: 1 });
    const b = files(s, { max_retries: 20, backoff_max_s: 1 });
    const [first, second] = await Promise.all([
      runCli(["--config", a.config, "--catalog", a.catalog]),
      runCli(["--config", b.config, "--catalog", b.catalog]),
    ]);
    for (const run of [first, second]) {
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      expectComplete(s, run.messages);
    }
    const [sa, sb] = [summaryOf(first.stderr), summaryOf(second.stderr)];
    expect(sa.requests + sb.requests).toBe(s.stats.requests);
    expect(sa.rateLimited + sb.rateLimited).toBe(s.stats.rateLimited);
  }, 120_000);
});
