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
    // 16 requests granted at 0..15 ms, half of them answered 429: one episode, one cut
    expect(budget.slowDown(0)).toBe(true);
    for (let t = 1; t < 16; t++) {
      budget.speedUp();
      expect(budget.slowDown(0)).toBe(false);
    }
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

  it("drops to what got through in the window when nearly every answer is a 429 (a full quota)", () => {
    const budget = new RateBudget(400, 60_000);
    // the server lets 200 through, then refuses everything: another client holds the rest of the quota
    for (let n = 1; n <= 200; n++) {
      vi.setSystemTime(n * 5);
      budget.speedUp();
    }
    const cuts: boolean[] = [];
    for (let n = 1; n <= RateBudget.QUOTA_SAMPLE; n++) {
      vi.setSystemTime(1_000 + n);
      cuts.push(budget.slowDown(900));
    }
    // the first 429 is an episode's cut; the sixth of eight says the quota is full
    expect(cuts.indexOf(true)).toBe(0);
    expect(cuts.lastIndexOf(true)).toBe(RateBudget.QUOTA_FULL - 1);
    expect(budget.limit).toBe(200);
    // more 429s within the episode change nothing while what got through stays in the window
    vi.setSystemTime(1_500);
    expect(budget.slowDown(1_400)).toBe(false);
    expect(budget.limit).toBe(200);
    // once it has left the window, 429s still coming mean the quota has no room for us: the floor
    vi.setSystemTime(61_100);
    expect(budget.slowDown(61_000)).toBe(true);
    expect(budget.limit).toBe(budget.floor);
  });

  /** 100 requests let through at 0 s, then 10 refused at 1 s: a full quota, held at 100 */
  async function heldAt100(): Promise<RateBudget> {
    const budget = new RateBudget(400, 60_000);
    const releases = await Promise.all(Array.from({ length: 110 }, () => budget.acquire()));
    for (const release of releases.slice(0, 100)) {
      budget.speedUp();
      release();
    }
    vi.setSystemTime(1_000);
    for (const release of releases.slice(100)) {
      release();
      budget.slowDown(0);
    }
    expect(budget.limit).toBe(100);
    return budget;
  }

  /** Grants `n` requests in turn, each answered as `answer` says, and returns when each was granted. */
  async function answerInTurn(budget: RateBudget, n: number, answer: (i: number) => "ok" | "429") {
    const times: number[] = [];
    const done = (async () => {
      for (let i = 0; i < n; i++) {
        const release = await budget.acquire();
        times.push(Date.now());
        const ok = answer(i) === "ok";
        if (ok) budget.speedUp();
        release();
        if (!ok) budget.slowDown(Date.now());
      }
    })();
    await vi.runAllTimersAsync();
    await done;
    return times;
  }

  it("holds a full quota: one probe at a time, 1 s after the cut, then 2, 4 … while probes draw 429s", async () => {
    const budget = await heldAt100();
    expect(budget.holding).toBe(true);
    const times = await answerInTurn(budget, 6, () => "429");
    expect(times).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000]);
    expect(budget.holding).toBe(false);
    // the last came when the window had room again (15 of the 100 answered at 0 s had left it): no probe
  });

  it("follows a quota that refills (a token bucket) a request at a time until the window has room", async () => {
    const budget = await heldAt100();
    // the first probe gets through, and so does each one after it: each goes as soon as the last is answered
    const times = await answerInTurn(budget, 20, () => "ok");
    expect(times).toEqual(times.map(() => 2_000));
    expect(budget.limit).toBe(100);
    // the window has room once 31 of those answered at 0 s have left it: the hold ends, recovery starts
    vi.setSystemTime(60_000);
    expect(await answerInTurn(budget, 1, () => "ok")).toEqual([60_000]);
    vi.setSystemTime(60_000 + RateBudget.RECOVERY_MS);
    budget.speedUp();
    expect(budget.limit).toBe(400);
  });

  it("after a probe drew a 429, the next probe waits twice as long; after one got through, none", async () => {
    const budget = await heldAt100();
    const times = await answerInTurn(budget, 4, (i) => (i === 1 ? "ok" : "429"));
    // 2 s: refused; 4 s: through; 4 s: refused; the delay starts over at 1 s
    expect(times).toEqual([2_000, 4_000, 4_000, 5_000]);
  });

  it("never takes sporadic 429s for a full quota", () => {
    const budget = new RateBudget(400, 60_000);
    for (let n = 1; n <= 2_000; n++) {
      vi.setSystemTime(n * 150);
      // every 10th answer a 429, and now and then two in a row
      if (n % 10 === 0 || n % 97 === 0) budget.slowDown(n * 150 - 20);
      else budget.speedUp();
    }
    expect(budget.limit).toBeGreaterThan(300);
  });

  it("never cuts below the floor", () => {
    const budget = new RateBudget(400, 60_000);
    for (let i = 0; i < 100; i++) {
      vi.setSystemTime((i + 1) * RateBudget.EPISODE_MS);
      budget.slowDown(Date.now());
      // half the answers get through: 429s, not a full quota
      budget.speedUp();
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
      budget.speedUp();
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
