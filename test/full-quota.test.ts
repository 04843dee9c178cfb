import { describe, expect, it } from "vitest";
import { mockAgent, testClient } from "./helpers/http.js";

/**
 * A server quota below the tap's rate, answered the way the documented API does (429, no Retry-After): at most
 * `quota` a sliding window, or with `refill` a token bucket (`burst` at once, then `perSecond`). Counts answers.
 */
function quotaServer(quota: number, windowMs: number, refill?: { burst: number; perSecond: number }) {
  const agent = mockAgent();
  const passed: number[] = [];
  const seen = { ok: 0, refused: 0 };
  const startedAt = Date.now();
  agent
    .get("https://api.test")
    .intercept({ path: /^\/api\/v2\/company\/commissions/ })
    .reply(() => {
      const now = Date.now();
      while (passed.length > 0 && passed[0]! <= now - windowMs) passed.shift();
      const full = refill
        ? seen.ok >= refill.burst + ((now - startedAt) / 1000) * refill.perSecond
        : passed.length >= quota;
      if (full) {
        seen.refused++;
        return { statusCode: 429, data: "{}" };
      }
      passed.push(now);
      seen.ok++;
      return { statusCode: 200, data: JSON.stringify([{ id: now }]) };
    })
    .persist();
  return { agent, seen };
}

/** 30 requests through a client that may send 40 a window of 1 s. */
async function thirtyRequests(agent: ReturnType<typeof mockAgent>): Promise<void> {
  const { http } = testClient(agent, {
    requestsPerMinute: 40,
    windowMs: 1_000,
    maxRetries: 20,
    backoff: { baseMs: 50, maxMs: 300 },
  });
  await Promise.all(
    Array.from({ length: 30 }, (_, i) => http.getJson("company/commissions", [["page", String(i)]])),
  );
}

describe("a full quota", () => {
  it("is waited out and probed a request at a time, not retried into by every request", async () => {
    // 10 a window: after the first 10, everything is refused until the window moves
    const { agent, seen } = quotaServer(10, 1_000);
    const started = Date.now();
    await thirtyRequests(agent);
    expect(seen.ok).toBe(30);
    // three windows' worth: the policy's earliest is 2 s
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    // each request retrying into the full quota on its own backoff drew 53-55 refusals; 7-8 now
    expect(seen.refused).toBeLessThanOrEqual(15);
  }, 30_000);

  it("that refills steadily (a token bucket) is followed a request at a time, not waited out", async () => {
    // 5 at once, then 10 a second
    const { agent, seen } = quotaServer(0, 1_000, { burst: 5, perSecond: 10 });
    await thirtyRequests(agent);
    expect(seen.ok).toBe(30);
    // each request on its own backoff drew 64-66 refusals; 9 now, in about 3 s where 2.5 s is the earliest
    expect(seen.refused).toBeLessThanOrEqual(20);
  }, 30_000);
});
