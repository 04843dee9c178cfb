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

  it("holds a cancelled request's slot CANCELLED_HOLD_MS longer: a busy server may count it after the abort", async () => {
    const budget = new RateBudget(2, 60_000);
    const cancelled = await budget.acquire();
    const answered = await budget.acquire();
    const grants: number[] = [];
    for (let i = 0; i < 2; i++) {
      void budget.acquire().then((release) => {
        grants.push(Date.now());
        release();
      });
    }
    await vi.advanceTimersByTimeAsync(1_000);
    cancelled("cancelled"); // at 1 s, before its answer
    answered(); // at 1 s, answered
    await vi.advanceTimersByTimeAsync(60_000);
    // the answered slot frees at 61 s; the cancelled one 2 s later, though it was released first
    expect(grants).toEqual([61_000]);
    await vi.advanceTimersByTimeAsync(RateBudget.CANCELLED_HOLD_MS);
    expect(grants).toEqual([61_000, 61_000 + RateBudget.CANCELLED_HOLD_MS]);
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

  it("pauses every caller when asked to", async () => {
    const budget = new RateBudget(10, 60_000);
    budget.pause(5_000);
    const times = await grantTimes(budget, 10);
    expect(times.every((t) => t === 5_000)).toBe(true);
  });

  it("cuts the limit once per 429 episode", () => {
    const budget = new RateBudget(100, 60_000);
    vi.setSystemTime(1_000);
    // 16 requests granted at 0..15 ms, all answered 429: one episode, one cut
    expect(budget.slowDown(0)).toBe(true);
    for (let t = 1; t < 16; t++) expect(budget.slowDown(0)).toBe(false);
    expect(budget.slowDown(1_000)).toBe(false);
    expect(budget.limit).toBe(90);
    expect(budget.decreases).toBe(1);
    // a request granted after the cut, answered 429 within the episode: still the same signal
    vi.setSystemTime(1_500);
    expect(budget.slowDown(1_001)).toBe(false);
    // and after it: the lower rate is still too fast
    vi.setSystemTime(1_000 + RateBudget.EPISODE_MS);
    expect(budget.slowDown(1_001)).toBe(true);
    expect(budget.limit).toBeLessThan(90);
    expect(budget.decreases).toBe(2);
  });

  it("never cuts below the floor", () => {
    const budget = new RateBudget(400, 60_000);
    for (let i = 0; i < 100; i++) {
      vi.setSystemTime((i + 1) * RateBudget.EPISODE_MS);
      budget.slowDown(Date.now());
    }
    expect(budget.decreases).toBe(100);
    expect(budget.floor).toBe(100);
    expect(budget.limit).toBe(100);
    expect(new RateBudget(2).floor).toBe(1);
  });

  it("recovers to the configured rate within RECOVERY_MS of answered requests once 429s stop", () => {
    const budget = new RateBudget(400, 60_000);
    for (let i = 0; i < 50; i++) {
      vi.setSystemTime((i + 1) * RateBudget.EPISODE_MS);
      budget.slowDown(Date.now());
    }
    expect(budget.limit).toBe(100);
    const from = Date.now();
    const limits: number[] = [];
    // one answered request every 100 ms
    for (let t = from + 100; t <= from + 60_000; t += 100) {
      vi.setSystemTime(t);
      budget.speedUp();
      limits.push(budget.limit);
    }
    // rising monotonically, back at the target within RECOVERY_MS, and never above it
    for (let i = 1; i < limits.length; i++) expect(limits[i]).toBeGreaterThanOrEqual(limits[i - 1]!);
    const back = limits.indexOf(400);
    expect((back + 1) * 100).toBeLessThanOrEqual(RateBudget.RECOVERY_MS);
    expect(Math.max(...limits)).toBe(400);
    expect(limits.at(-1)).toBe(400);
  });

  it("converges under sporadic 429s instead of sinking to the floor", () => {
    // one request in ten answered 429 at 400/min, as another client spending the account would cause
    const budget = new RateBudget(400, 60_000);
    let t = 0;
    for (let n = 1; n <= 4_000; n++) {
      t += 60_000 / budget.limit;
      vi.setSystemTime(Math.round(t));
      if (n % 10 === 0) budget.slowDown(Date.now() - 1);
      else budget.speedUp();
    }
    expect(budget.limit).toBeGreaterThan(300);
  });

  it("cuts once for the sporadic 429s of one burst of grants, not down to the floor", () => {
    const budget = new RateBudget(400, 60_000);
    // 400 requests granted 1 ms apart, each answered 16 ms later, every 10th with a 429
    for (let n = 1; n <= 400; n++) {
      vi.setSystemTime(n + 16);
      if (n % 10 === 0) budget.slowDown(n);
      else budget.speedUp();
    }
    expect(budget.decreases).toBe(1);
    expect(budget.limit).toBeGreaterThanOrEqual(360);
  });

  it("grants at the cut limit: a full window grants nothing until enough requests leave it", async () => {
    const budget = new RateBudget(10, 60_000);
    await grantTimes(budget, 10);
    vi.setSystemTime(1_000);
    budget.slowDown(0);
    expect(budget.limit).toBe(9);
    const times = await grantTimes(budget, 1);
    // 10 released at 0 s leave the window at 60 s; nothing before
    expect(times[0]).toBe(60_000);
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
