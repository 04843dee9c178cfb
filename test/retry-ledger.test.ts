import { describe, expect, it } from "vitest";
import { RATE_LIMIT_PATIENCE_MS, RetryLedger, SHARED_QUOTA_MAX_WAIT_MS } from "../src/http/retry-ledger.js";

const policy = { maxRetries: 2, baseMs: 1_000, maxMs: 60_000 };
const WINDOW = 60_000;
const t0 = 1_000_000;
const limited = (grantedAt: number) => ({ rateLimited: true, retryAfterMs: undefined, grantedAt });
const failing = (grantedAt: number) => ({ rateLimited: false, retryAfterMs: undefined, grantedAt });

describe("RetryLedger", () => {
  it("counts a 5xx toward max_retries and gives up after them", () => {
    const ledger = new RetryLedger(policy, WINDOW);
    ledger.granted(0);
    expect(ledger.next(failing(t0), 0, t0)?.counted).toBe(1);
    expect(ledger.next(failing(t0 + 1), 0, t0 + 1)?.counted).toBe(2);
    expect(ledger.next(failing(t0 + 2), 0, t0 + 2)).toBeUndefined();
    expect(ledger.tries).toBe(2);
  });

  it("does not count a 429 while other requests were answered since, and caps its wait", () => {
    const ledger = new RetryLedger({ ...policy, baseMs: 3_600_000, maxMs: 3_600_000 }, WINDOW);
    ledger.granted(5);
    const first = ledger.next(limited(t0), 5, t0)!;
    expect(first).toMatchObject({ counted: 1, untilAnswered: true });
    const second = ledger.next(limited(t0 + 10), 9, t0 + 10)!;
    expect(second).toMatchObject({ counted: undefined, untilAnswered: false });
    expect(second.uncounted).toMatch(/other requests get through/);
    expect(second.delayMs).toBeLessThanOrEqual(SHARED_QUOTA_MAX_WAIT_MS);
  });

  it("counts those 429s again after RATE_LIMIT_PATIENCE_MS", () => {
    const ledger = new RetryLedger(policy, WINDOW);
    ledger.granted(0);
    ledger.next(limited(t0), 1, t0);
    const late = t0 + RATE_LIMIT_PATIENCE_MS + 1;
    expect(ledger.next(limited(late), 2, late)?.counted).toBe(1);
  });

  it("goes on past max_retries on 429s for five rate windows from the first, then gives up", () => {
    const ledger = new RetryLedger(policy, WINDOW);
    ledger.granted(0);
    expect(ledger.next(limited(t0), 0, t0)?.counted).toBe(1);
    expect(ledger.next(limited(t0 + 1_000), 0, t0 + 1_000)?.counted).toBe(2);
    const within = ledger.next(limited(t0 + 299_999), 0, t0 + 299_999)!;
    expect(within).toMatchObject({ counted: undefined, untilAnswered: true });
    expect(within.uncounted).toBe(
      "its 429s began less than 300 s ago (5 rate windows: a quota frees within one)",
    );
    expect(ledger.next(limited(t0 + 300_000), 0, t0 + 300_000)).toBeUndefined();
    expect(ledger.rateLimitedForMs(t0 + 312_000)).toBe(312_000);
  });

  it("waits as the server says, capped at backoff_max_s", () => {
    const ledger = new RetryLedger(policy, WINDOW);
    ledger.granted(0);
    const retry = ledger.next({ rateLimited: true, retryAfterMs: 86_400_000, grantedAt: t0 }, 0, t0)!;
    expect(retry.delayMs).toBe(60_000);
    // the server named the wait: no other answer cuts it short
    expect(retry.untilAnswered).toBe(false);
  });
});
