import { type RetryPolicy, retryDelayMs } from "./backoff.js";

/**
 * How long one request's 429s go uncounted while the account gets through: past it, a 429 counts toward
 * max_retries again (an endpoint that answers 429 for good must fail its stream, however the others fare).
 */
export const RATE_LIMIT_PATIENCE_MS = 30 * 60_000;
/**
 * Rate windows a request's 429s must span before it is given up on, however few its retries: a quota is a
 * count per window, so within one the requests that filled it leave; another client's burst fills a window or
 * two. One that keeps the account full for this long leaves the sync no share, and failing says so.
 */
export const SATURATED_WINDOWS = 5;
/** the longest wait of a 429 not counted as a retry, when the server says nothing of how long */
export const SHARED_QUOTA_MAX_WAIT_MS = 10_000;

/** A try that failed in a way worth retrying. */
export interface FailedTry {
  rateLimited: boolean;
  retryAfterMs: number | undefined;
  /** when its rate grant came (epoch ms) */
  grantedAt: number;
}

/** What follows a failed try that is retried. */
export interface Retry {
  delayMs: number;
  /** the retry's number toward max_retries; undefined when it is not counted */
  counted: number | undefined;
  /** why it is not counted */
  uncounted: string;
  /**
   * nothing of the sync got through since the last try (the account's quota is full) and the server named no
   * wait: the next answer of any request ends this one's wait early
   */
  untilAnswered: boolean;
}

/**
 * One request's retries: which count toward max_retries, how long each waits, and when it gives up. A 429
 * while other requests of the sync are answered is the account's shared quota at work, not this request
 * failing: it is not counted (for RATE_LIMIT_PATIENCE_MS), so a busy account makes a sync slow, not failed;
 * and a 429'd request gives up only once SATURATED_WINDOWS rate windows have passed since its first 429.
 */
export class RetryLedger {
  /** tries toward max_retries */
  private attempt = 0;
  /** every try so far, less one: the backoff grows with it */
  private done = 0;
  private firstRateLimitAt: number | undefined;
  /** the sync's answered count when this request's last 429 came (or its first try was granted) */
  private answeredMark: number | undefined;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly windowMs: number,
  ) {}

  /** Tries before the current one (0 for the first). */
  get tries(): number {
    return this.done;
  }

  /** A try was granted while the sync had `answered` requests answered. */
  granted(answered: number): void {
    this.answeredMark ??= answered;
  }

  /** How long this request's 429s have lasted, if it had any. */
  rateLimitedForMs(now = Date.now()): number | undefined {
    return this.firstRateLimitAt === undefined ? undefined : now - this.firstRateLimitAt;
  }

  /** The retry after `failed`, or undefined to give up; `answered` is the sync's answered count now. */
  next(failed: FailedTry, answered: number, now = Date.now()): Retry | undefined {
    const { rateLimited, retryAfterMs, grantedAt } = failed;
    let delayMs = retryDelayMs(this.done, this.policy, retryAfterMs);
    let counted = true;
    let quotaFull = false;
    if (rateLimited) {
      this.firstRateLimitAt ??= grantedAt;
      quotaFull = answered === this.answeredMark;
      counted = quotaFull || now - this.firstRateLimitAt > RATE_LIMIT_PATIENCE_MS;
      this.answeredMark = answered;
      // while the account gets through, the lowered rate paces it: a request's own wait (unless the server
      // named one) stays short, or one unlucky request's minute-long jitter becomes the sync's tail
      if (!counted && retryAfterMs === undefined) delayMs = Math.min(delayMs, SHARED_QUOTA_MAX_WAIT_MS);
    }
    let uncounted = "other requests get through (the account's quota is shared)";
    if (counted && this.attempt === this.policy.maxRetries) {
      // Retries used up on 429s that came sooner than SATURATED_WINDOWS after the first: the backoff's
      // draws added up to less than a quota takes to free (a minute another client filled, say)
      const saturatedMs = SATURATED_WINDOWS * this.windowMs;
      if (!rateLimited || grantedAt - this.firstRateLimitAt! >= saturatedMs) return undefined;
      counted = false;
      uncounted = `its 429s began less than ${saturatedMs / 1000} s ago (${SATURATED_WINDOWS} rate windows: a quota frees within one)`;
    }
    this.done++;
    return {
      delayMs,
      counted: counted ? ++this.attempt : undefined,
      uncounted,
      untilAnswered: quotaFull && retryAfterMs === undefined,
    };
  }
}
