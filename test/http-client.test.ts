import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { HttpError } from "../src/http/http-error.js";
import { mockAgent, testClient } from "./helpers/http.js";

const PATH = "/api/v2/company/commissions";

describe("HttpClient", () => {
  it("retries 429, 5xx and a body that is not JSON, then succeeds", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: PATH }).reply(429, {});
    pool.intercept({ path: PATH }).reply(503, "<html>down</html>");
    pool.intercept({ path: PATH }).reply(200, '[{"id":1,');
    pool.intercept({ path: PATH }).reply(200, [{ id: 1 }]);
    const { http, lines } = testClient(agent, { maxRetries: 5 });
    expect(await http.getJson("company/commissions", [])).toEqual([{ id: 1 }]);
    expect(http.stats).toMatchObject({ requests: 4, retries: 3, rateLimited: 1 });
    expect(lines.filter((l) => l.startsWith("warn"))).toHaveLength(3);
  });

  it("slows the shared budget down once for the 429s of requests in flight together", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: PATH }).reply(200, []);
    pool
      .intercept({ path: PATH })
      .reply(429, {}, { headers: { "retry-after": "1" } })
      .times(4);
    pool.intercept({ path: PATH }).reply(200, []).times(4);
    const { http, budget } = testClient(agent);
    // the first request goes alone (it tells whether the key is accepted); then four at once
    await http.getJson("company/commissions", []);
    await Promise.all(Array.from({ length: 4 }, () => http.getJson("company/commissions", [])));
    expect(http.stats.rateLimited).toBe(4);
    // one cut for the episode (the retries' successes may have earned part of it back since)
    expect(budget.decreases).toBe(1);
    expect(budget.limit).toBeGreaterThanOrEqual(9_000);
  });

  it("waits out one endpoint's Retry-After on that request alone, capped at the backoff cap", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const OTHER = "/api/v2/company/promoters";
    pool.intercept({ path: PATH }).reply(429, {}, { headers: { "retry-after": "86400" } });
    pool.intercept({ path: PATH }).reply(200, [{ id: 1 }]);
    pool
      .intercept({ path: OTHER })
      .reply(200, [{ id: 2 }])
      .times(3);
    let limited!: () => void;
    const got429 = new Promise<void>((resolve) => {
      limited = resolve;
    });
    const { http, lines } = testClient(agent, {
      observe: (path, _ms, ok) => {
        if (path === "company/commissions" && !ok) limited();
      },
    });
    const first = http.getJson("company/commissions", []);
    await got429;
    // the other endpoint goes on while commissions waits: a day's Retry-After pauses no one else
    for (let i = 0; i < 3; i++) expect(await http.getJson("company/promoters", [])).toEqual([{ id: 2 }]);
    expect(await first).toEqual([{ id: 1 }]);
    // the day was capped at backoff_max (5 ms here)
    expect(lines.find((l) => l.includes("HTTP 429; retry"))).toMatch(
      /in 0\.0 s \(the server asked for longer; backoff_max_s caps a wait\)$/,
    );
  });

  it("does not count a 429 as a retry while other requests get through: a busy shared account is slow, not failed", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const OTHER = "/api/v2/company/promoters";
    // commissions: 429 five times, more than max_retries (2), while promoters keep being answered
    pool.intercept({ path: PATH }).reply(429, {}).times(5);
    pool.intercept({ path: PATH }).reply(200, [{ id: 1 }]);
    pool
      .intercept({ path: OTHER })
      .reply(200, [{ id: 2 }])
      .persist();
    const { http, lines } = testClient(agent, { maxRetries: 2 });
    // the key is accepted first (until then no other request goes out)
    await http.getJson("company/promoters", []);
    let done = false;
    const first = http.getJson("company/commissions", []).finally(() => {
      done = true;
    });
    while (!done) {
      await http.getJson("company/promoters", []);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await first).toEqual([{ id: 1 }]);
    expect(http.stats.rateLimited).toBe(5);
    expect(lines.some((l) => /^warn .*HTTP 429; retry in .*, not counted toward the 2 retries/.test(l))).toBe(
      true,
    );
  });

  it("waits at most 10 s after a 429 not counted, whatever backoff_max_s (the lowered rate paces the account)", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool
      .intercept({ path: "/api/v2/company/promoters" })
      .reply(200, [{ id: 2 }])
      .persist();
    // answered 429 after 50 ms, while a promoters request gets through
    pool.intercept({ path: PATH }).reply(429, {}).delay(50);
    const { http, lines } = testClient(agent, { backoff: { baseMs: 3_600_000, maxMs: 36_000_000 } });
    await http.getJson("company/promoters", []);
    const stop = new AbortController();
    const pending = http.getJson("company/commissions", [], stop.signal).catch(() => "stopped");
    await new Promise((resolve) => setTimeout(resolve, 10));
    await http.getJson("company/promoters", []);
    await new Promise((resolve) => setTimeout(resolve, 80));
    stop.abort(new Error("test over"));
    expect(await pending).toBe("stopped");
    const line = lines.find((l) => l.includes("not counted toward"));
    const seconds = Number(/retry in ([\d.]+) s/.exec(line ?? "")?.[1]);
    expect(seconds).toBeLessThanOrEqual(10);
  });

  it("counts a 429 as a retry when nothing else gets through, and gives up after max_retries", async () => {
    const agent = mockAgent();
    agent.get("https://api.test").intercept({ path: PATH }).reply(429, {}).times(3);
    // no rate window to wait out: the retries alone decide
    const { http } = testClient(agent, { maxRetries: 2, windowMs: 0 });
    const error = await http.getJson("company/commissions", []).catch((e: unknown) => e);
    expect(String(error)).toMatch(/gave up after 3 tries: HTTP 429/);
  });

  it("goes on past max_retries on 429s until five rate windows have passed since the first: a quota frees within one", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: PATH }).reply(429, {}).times(6);
    pool.intercept({ path: PATH }).reply(200, [{ id: 1 }]);
    const { http, lines } = testClient(agent, { maxRetries: 2, windowMs: 2_000 });
    expect(await http.getJson("company/commissions", [])).toEqual([{ id: 1 }]);
    const warned = lines.filter((l) => l.startsWith("warn"));
    expect(warned.slice(0, 2).map((l) => /retry (\d) of 2/.exec(l)?.[1])).toEqual(["1", "2"]);
    expect(warned.slice(2)).toHaveLength(4);
    for (const line of warned.slice(2))
      expect(line).toMatch(
        /HTTP 429; retry in [\d.]+ s, not counted toward the 2 retries: its 429s began less than 10 s ago \(5 rate windows: a quota frees within one\)$/,
      );
  });

  it("gives up on 429s once max_retries are used and five rate windows have passed since the first, saying why", async () => {
    const agent = mockAgent();
    agent.get("https://api.test").intercept({ path: PATH }).reply(429, {}).persist();
    const { http } = testClient(agent, { maxRetries: 2, windowMs: 60 });
    const started = Date.now();
    const error = await http.getJson("company/commissions", []).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const m =
      /gave up after (\d+) tries: HTTP 429 for \d+ s \(the account's quota stayed full: other clients take it all, or requests_per_minute is above it\) \(GET company\/commissions\)$/.exec(
        (error as Error).message,
      );
    expect(m, String(error)).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(3);
  });

  it.each([
    ["a counted retry", 3, /HTTP 429; retry 1 of 3 in/],
    ["its retries used up, within five rate windows", 0, /HTTP 429; retry in .*its 429s began less than/],
  ])(
    "retries a 429 that met a full quota as soon as the account gets through again, not after its backoff (%s)",
    async (_, maxRetries, line) => {
      const agent = mockAgent();
      const pool = agent.get("https://api.test");
      const OTHER = "/api/v2/company/promoters";
      pool.intercept({ path: PATH }).reply(429, {});
      pool.intercept({ path: PATH }).reply(200, [{ id: 1 }]);
      pool
        .intercept({ path: OTHER })
        .reply(200, [{ id: 2 }])
        .times(2);
      // a backoff of up to an hour: only the answer to another request can end the wait in time
      const { http, lines } = testClient(agent, {
        maxRetries,
        backoff: { baseMs: 3_600_000, maxMs: 3_600_000 },
      });
      await http.getJson("company/promoters", []);
      let retried = false;
      const waiting = http.getJson("company/commissions", []).then((body) => {
        retried = true;
        return body;
      });
      // its 429 came while nothing else was answered: it waits out the full quota
      while (!lines.some((l) => line.test(l))) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, 50));
      expect(retried).toBe(false);
      const started = Date.now();
      await http.getJson("company/promoters", []);
      expect(await waiting).toEqual([{ id: 1 }]);
      expect(Date.now() - started).toBeLessThan(1_500);
    },
  );

  it("gives up after max_retries on a 5xx however young the rate window (only a quota resets with it)", async () => {
    const agent = mockAgent();
    agent.get("https://api.test").intercept({ path: PATH }).reply(503, "").times(3);
    const { http } = testClient(agent, { maxRetries: 2, windowMs: 60_000 });
    const error = await http.getJson("company/commissions", []).catch((e: unknown) => e);
    expect(String(error)).toMatch(/gave up after 3 tries: HTTP 503/);
  });

  it("reports failed attempts to its observer, and a cancelled request as neither success nor failure", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: PATH }).reply(503, "");
    pool.intercept({ path: PATH }).reply(200, []);
    pool
      .intercept({ path: `${PATH}?page=2` })
      .reply(200, [])
      .delay(1_000);
    const seen: boolean[] = [];
    const { http, budget } = testClient(agent, { observe: (_path, _ms, ok) => seen.push(ok) });
    await http.getJson("company/commissions", []);
    const stop = new AbortController();
    const cancelled = http.getJson("company/commissions", [["page", "2"]], stop.signal);
    stop.abort(new Error("list ended"));
    await expect(cancelled).rejects.toThrow("list ended");
    expect(seen).toEqual([false, true]);
    // every attempt gave its rate slot back to the window, the cancelled one included
    expect(budget.spare(0)).toBe(budget.limit - 3);
  });

  it("holds other requests until the first is answered, and fails them all with its 401", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: PATH }).reply(401, { message: "bad key" });
    const seen: string[] = [];
    const { http } = testClient(agent, { observe: (path) => seen.push(path) });
    const all = await Promise.allSettled(
      Array.from({ length: 5 }, () => http.getJson("company/commissions", [])),
    );
    expect(all.map((r) => r.status)).toEqual(Array(5).fill("rejected"));
    expect(seen).toHaveLength(1);
    await expect(http.keyAccepted).rejects.toThrow(/HTTP 401/);
  });

  it.each([400, 401, 403, 404, 422])("does not retry HTTP %i", async (status) => {
    const agent = mockAgent();
    agent.get("https://api.test").intercept({ path: PATH }).reply(status, { message: "nope", code: "x" });
    // a 403 or 404 on the first request is asked again of the account-wide probe (one request, not a retry)
    agent.get("https://api.test").intercept({ path: "/api/v2/company/promoters?per_page=1" }).reply(200, []);
    const { http } = testClient(agent);
    const error = (await http.getJson("company/commissions", []).catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(status);
    expect(http.stats.requests).toBe(status === 403 || status === 404 ? 2 : 1);
    expect(error.message).toContain("GET company/commissions");
  });

  it("does not follow redirects (the token must not leave the host)", async () => {
    const agent = mockAgent();
    agent
      .get("https://api.test")
      .intercept({ path: PATH })
      .reply(302, "", { headers: { location: "https://evil.test/steal" } });
    const { http } = testClient(agent);
    const error = (await http.getJson("company/commissions", []).catch((e: unknown) => e)) as HttpError;
    expect(error.kind).toBe("redirect");
  });

  it("reads a body a proxy compressed unasked (gzip, deflate, br) and one behind a byte-order mark", async () => {
    const json = JSON.stringify([{ id: 1 }]);
    const bodies: Array<[Buffer | string, Record<string, string>]> = [
      [gzipSync(json), { "content-encoding": "gzip" }],
      [deflateSync(json), { "content-encoding": "deflate" }],
      [brotliCompressSync(json), { "content-encoding": "br" }],
      [`\ufeff${json}`, {}],
    ];
    for (const [body, headers] of bodies) {
      const agent = mockAgent();
      agent.get("https://api.test").intercept({ path: PATH }).reply(200, body, { headers });
      const { http } = testClient(agent, { maxRetries: 0 });
      expect(await http.getJson("company/commissions", []), JSON.stringify(headers)).toEqual([{ id: 1 }]);
    }
  });

  it("fails at once, not after every retry: a body that does not decompress, an unknown encoding, a 204; a 304 is not called a redirect", async () => {
    const cases: Array<[number, Buffer | string, Record<string, string>, RegExp]> = [
      [
        200,
        Buffer.from("not gzip at all"),
        { "content-encoding": "gzip" },
        /gzip body that does not decompress/,
      ],
      [200, "[]", { "content-encoding": "zstd-custom" }, /unsupported content-encoding: zstd-custom/],
      [204, "", {}, /HTTP 204 No Content/],
      [304, "", {}, /304 Not Modified .*cache or proxy/],
    ];
    for (const [status, body, headers, message] of cases) {
      const agent = mockAgent();
      agent.get("https://api.test").intercept({ path: PATH }).reply(status, body, { headers });
      const { http } = testClient(agent, { maxRetries: 3 });
      const error = await http.getJson("company/commissions", []).catch((e: unknown) => e);
      expect(String(error)).toMatch(message);
      expect(http.stats.requests, String(error)).toBe(1);
    }
  });

  it("an error's compressed body that does not decode keeps its status: a 401 stops, a 503 is retried", async () => {
    const gz = { "content-encoding": "gzip" };
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: PATH }).reply(503, "", { headers: gz });
    pool.intercept({ path: PATH }).reply(200, gzipSync(JSON.stringify([{ id: 1 }])), { headers: gz });
    const { http } = testClient(agent, { maxRetries: 3 });
    expect(await http.getJson("company/commissions", [])).toEqual([{ id: 1 }]);
    expect(http.stats.requests).toBe(2);

    const denied = mockAgent();
    denied.get("https://api.test").intercept({ path: PATH }).reply(401, "not gzip", { headers: gz });
    const client = testClient(denied, { maxRetries: 3 }).http;
    const error = (await client.getJson("company/commissions", []).catch((e: unknown) => e)) as HttpError;
    expect(error.status).toBe(401);
    expect(error.rule.action).toBe("stop-sync");
  });

  it("retries a compressed body cut short, as a cut plain body is; reads zlib deflate of any window size", async () => {
    const json = JSON.stringify([{ id: 1 }]);
    const whole = gzipSync(json);
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool
      .intercept({ path: PATH })
      .reply(200, whole.subarray(0, whole.length - 6), { headers: { "content-encoding": "gzip" } });
    pool.intercept({ path: PATH }).reply(200, whole, { headers: { "content-encoding": "gzip" } });
    const { http } = testClient(agent, { maxRetries: 3 });
    expect(await http.getJson("company/commissions", [])).toEqual([{ id: 1 }]);
    expect(http.stats.requests).toBe(2);

    const small = mockAgent();
    small
      .get("https://api.test")
      .intercept({ path: PATH })
      .reply(200, deflateSync(json, { windowBits: 10 }), { headers: { "content-encoding": "deflate" } });
    expect(await testClient(small).http.getJson("company/commissions", [])).toEqual([{ id: 1 }]);
  });

  it("bounds a compressed body by max_response_mb once decompressed (a small bomb is not gigabytes)", async () => {
    const agent = mockAgent();
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 32));
    agent
      .get("https://api.test")
      .intercept({ path: PATH })
      .reply(200, bomb, { headers: { "content-encoding": "gzip" } });
    const { http } = testClient(agent, { maxRetries: 3 });
    const error = await http.getJson("company/commissions", []).catch((e: unknown) => e);
    expect(String(error)).toMatch(/larger than max_response_mb.*once decompressed/);
    expect(bomb.length).toBeLessThan(1024 * 1024);
  });

  it("gives up after max retries with one line naming endpoint and cause, without the key", async () => {
    const agent = mockAgent();
    agent.get("https://api.test").intercept({ path: PATH }).reply(502, "bad").times(3);
    const { http, lines } = testClient(agent, { maxRetries: 2 });
    const error = (await http.getJson("company/commissions", []).catch((e: unknown) => e)) as HttpError;
    expect(error.kind).toBe("retries_exhausted");
    expect(error.failureType).toBe("transient_error");
    expect(error.message).toBe("gave up after 3 tries: HTTP 502 (GET company/commissions)");
    expect(JSON.stringify(lines) + error.message).not.toContain("secret-key-123");
  });
});

describe("HttpClient counts what reached the server", () => {
  it("does not count a request cancelled before it left (queued behind another on the one connection)", async () => {
    const { createServer } = await import("node:http");
    const { Agent } = await import("undici");
    const { RateBudget } = await import("../src/http/rate-budget.js");
    const { HttpClient } = await import("../src/http/client.js");
    const { checkPath } = await import("../src/app/connect.js");
    const { createLogger, Redactor } = await import("../src/log.js");
    let received = 0;
    const server = createServer((_req, res) => {
      received++;
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end("[]");
      }, 150);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as import("node:net").AddressInfo;
    const dispatcher = new Agent({ connections: 1 });
    const budget = new RateBudget(10_000);
    const http = new HttpClient({
      baseUrl: `http://127.0.0.1:${port}/api/v2`,
      apiKey: "secret-key-123",
      accountId: "acc-1",
      userAgent: "test",
      timeoutMs: 2000,
      retry: { maxRetries: 1, baseMs: 1, maxMs: 5 },
      budget,
      maxConcurrency: 4,
      log: createLogger("warn", () => undefined, new Redactor([])),
      dispatcher,
      probePath: checkPath(),
    });
    try {
      // the key is accepted first; then one request on the connection and one queued behind it, cancelled
      await http.getJson("company/promoters", []);
      const stop = new AbortController();
      const first = http.getJson("company/referrals", [["page", "1"]]);
      const queued = http.getJson("company/referrals", [["page", "2"]], stop.signal).catch(() => "cancelled");
      await new Promise((resolve) => setTimeout(resolve, 50));
      stop.abort(new Error("past the end of the list"));
      expect(await queued).toBe("cancelled");
      await first;
      expect(received).toBe(2);
      expect(http.stats.requests).toBe(2);
      expect(http.stats.cancelled).toBe(0);
    } finally {
      await dispatcher.close();
      server.close();
    }
  });
});
