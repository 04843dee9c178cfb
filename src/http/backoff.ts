import { classify, isRetried } from "./error-policy.js";

export interface RetryPolicy {
  maxRetries: number;
  baseMs: number;
  maxMs: number;
}

/**
 * Longest Retry-After read from a header; the retry policy caps one wait again at `backoff_max_s`, so a
 * server asking for a day delays that one request by at most that long.
 */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** Whether the error table retries a status (429, 408, every 5xx); other statuses are the caller's fault. */
export function isRetryableStatus(status: number): boolean {
  return isRetried(classify(status));
}

/**
 * Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3), in ms. Undefined, so the normal backoff
 * applies, when absent, unreadable, or not in the future: `0`, `-5` or a past date would otherwise mean
 * "retry at once", again and again, with no backoff at all.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else if (/^[A-Za-z]{3},? /.test(text) && /\b(GMT|UTC)\b/.test(text)) ms = Date.parse(text) - now;
  else return undefined;
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** Exponential backoff with full jitter, unless the server said how long to wait; either way at most `maxMs`. */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxMs);
  const bound = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * bound);
}
