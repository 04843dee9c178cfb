import { sleep } from "./sleep.js";

/** Ends a granted request's hold on the budget; call it once the request is answered or has failed. */
export type Release = () => void;

/**
 * One proactive request budget shared by every stream: at most `limit` requests in any moving window, as
 * the server counts them. The server counts a request when it arrives, which the client cannot see, but it
 * has surely arrived by the time its answer (or failure) is back. So a request holds its slot from its
 * grant until a window after its release: never early, whatever the latency or a cold connection's
 * handshake, and late by one round trip instead of a fixed safety margin.
 * A 429 pauses every stream (`pause`) and lowers the limit (`slowDown`).
 */
export class RateBudget {
  /** release times of finished requests still in the window, oldest first */
  private readonly released: number[] = [];
  private inFlight = 0;
  /** wakes the caller at the head of the queue when it waits for an in-flight request to finish */
  private onRelease: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pausedUntil = 0;
  private waiting = 0;
  private limitNow: number;

  constructor(
    limit: number,
    private readonly windowMs = 60_000,
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
  acquire(signal?: AbortSignal): Promise<Release> {
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
    let live = this.inFlight + this.released.length;
    for (let i = 0; i < this.released.length && this.released[i]! + this.windowMs <= at; i++) live--;
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

  private async waitForSlot(signal?: AbortSignal): Promise<Release> {
    for (;;) {
      const now = Date.now();
      while (this.released.length > 0 && this.released[0]! + this.windowMs <= now) this.released.shift();
      // slots to free before this grant fits: released ones leave oldest first, a window after release
      const excess = this.inFlight + this.released.length - this.limitNow;
      let wait = this.pausedUntil - now;
      if (excess >= this.released.length) {
        await this.nextRelease(signal);
        continue;
      }
      if (excess >= 0) wait = Math.max(wait, this.released[excess]! + this.windowMs - now);
      if (wait <= 0) break;
      await sleep(wait, signal);
    }
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      this.released.push(Date.now());
      this.onRelease?.();
    };
  }

  private nextRelease(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.onRelease = undefined;
        reject(signal?.reason);
      };
      this.onRelease = () => {
        this.onRelease = undefined;
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
