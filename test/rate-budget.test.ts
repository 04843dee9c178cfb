import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateBudget } from "../src/http/rate-budget.js";

describe("RateBudget", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function grantTimes(budget: RateBudget, n: number): Promise<number[]> {
    const times: number[] = [];
    // each request is answered the moment it is granted
    const all = Array.from({ length: n }, () =>
      budget.acquire().then((release) => {
        times.push(Date.now());
        release();
      }),
    );
    await vi.runAllTimersAsync();
    await Promise.all(all);
    return times;
  }

  it("never grants more than N requests in any window", async () => {
    const times = await grantTimes(new RateBudget(10, 60_000), 35);
    expect(times).toHaveLength(35);
    for (const t of times) {
      expect(times.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(10);
    }
    // the first N go at once, the rest as slots free up: no idle time
    expect(times.slice(0, 10).every((t) => t === 0)).toBe(true);
    expect(times[34]).toBe(3 * 60_000);
  });

  it("frees a slot a window after the request was answered, not after it was granted", async () => {
    const budget = new RateBudget(2, 60_000);
    const first = await budget.acquire();
    const second = await budget.acquire();
    let third: number | undefined;
    void budget.acquire().then((release) => {
      third = Date.now();
      release();
    });
    // both requests still in flight at 70 s: their slots are held however long they take
    await vi.advanceTimersByTimeAsync(70_000);
    expect(third).toBeUndefined();
    first(); // answered at 70 s: it may have reached the server only just now
    second();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(third).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(third).toBe(130_000);
  });

  it("lets a caller waiting on in-flight requests give up, and serves the next one", async () => {
    const budget = new RateBudget(1, 60_000);
    const held = await budget.acquire();
    const abort = new AbortController();
    const waiting = budget.acquire(abort.signal);
    abort.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    let next: number | undefined;
    void budget.acquire().then(() => {
      next = Date.now();
    });
    await vi.advanceTimersByTimeAsync(1_000);
    held();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(next).toBe(61_000);
  });

  it("pauses every caller and slows down after a 429", async () => {
    const budget = new RateBudget(10, 60_000);
    budget.slowDown();
    budget.pause(5_000);
    // the 429s of the other requests that were in flight with it are the same signal
    budget.slowDown();
    budget.slowDown();
    expect(budget.limit).toBe(9);
    const times = await grantTimes(budget, 10);
    expect(times.slice(0, 9).every((t) => t === 5_000)).toBe(true);
    expect(times[9]).toBeGreaterThanOrEqual(60_000);
  });

  it("tells how many grants are spare now and within a horizon", async () => {
    const budget = new RateBudget(3, 60_000);
    expect(budget.spare(0)).toBe(3);
    await grantTimes(budget, 2);
    expect(budget.spare(0)).toBe(1);
    vi.setSystemTime(30_000);
    await grantTimes(budget, 1);
    expect(budget.spare(0)).toBe(0);
    // the first two grants leave the window at 60 s, the third at 90 s
    expect(budget.spare(30_000)).toBe(2);
    expect(budget.spare(60_000)).toBe(3);
    budget.pause(120_000);
    expect(budget.spare(60_000)).toBe(0);
  });
});
