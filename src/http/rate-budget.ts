import { sleep } from "./sleep.js";

/**
 * One proactive request budget shared by every stream: at most `limit` grants in any moving window.
 * The server counts arrivals, not grants, so each slot is reused only after window + margin, which absorbs
 * latency jitter between two requests. A 429 pauses every stream (`pause`) and lowers the limit (`slowDown`).
 */
export class RateBudget {
  private readonly grants: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private pausedUntil = 0;
  private waiting = 0;
  private limitNow: number;

  constructor(
    limit: number,
    private readonly windowMs = 60_000,
    private readonly marginMs = Math.ceil(windowMs / 200),
  ) {
    this.limitNow = limit;
  }

  get limit(): number {
    return this.limitNow;
  }

  /** Requests per second this budget sustains; used to size concurrency. */
  get ratePerSecond(): number {
    return (this.limitNow * 1000) / this.windowMs;
  }

  /** Resolves when the caller may send one request. Grants are first come, first served. */
  acquire(signal?: AbortSignal): Promise<void> {
    this.waiting++;
    const turn = this.queue.then(() => this.waitForSlot(signal)).finally(() => this.waiting--);
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Grants left over within `horizonMs` once every queued caller is served: what optional work (pages
   * requested ahead) may spend without delaying a request that is needed, or queueing behind a full window.
   */
  spare(horizonMs: number): number {
    const at = Date.now() + horizonMs;
    if (this.pausedUntil > at) return 0;
    let live = this.grants.length;
    for (let i = 0; i < this.grants.length && this.grants[i]! + this.windowMs + this.marginMs <= at; i++)
      live--;
    return this.limitNow - live - this.waiting;
  }

  /** Blocks every grant for `ms` (server said 429, maybe with Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /**
   * The server disagrees with our budget: keep 10% below the rate that drew the 429. Once per episode: the
   * 429s of requests that were in flight together are one signal, not one each (16 would cut the rate by 80%).
   */
  slowDown(): void {
    if (Date.now() < this.pausedUntil) return;
    this.limitNow = Math.max(1, Math.floor(this.limitNow * 0.9));
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.grants.length > 0 && this.grants[0]! + this.windowMs + this.marginMs <= now) {
        this.grants.shift();
      }
      let wait = this.pausedUntil - now;
      if (this.grants.length >= this.limitNow) {
        const blocker = this.grants[this.grants.length - this.limitNow]!;
        wait = Math.max(wait, blocker + this.windowMs + this.marginMs - now);
      }
      if (wait <= 0) break;
      await sleep(wait, signal);
    }
    this.grants.push(Date.now());
  }
}
