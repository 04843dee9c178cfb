import { describe, expect, it } from "vitest";
import { isRetryableStatus, MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from "../src/http/backoff.js";

const policy = { maxRetries: 5, baseMs: 1000, maxMs: 60_000 };

describe("backoff", () => {
  it("retries 429, 408 and 5xx only", () => {
    expect([429, 408, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422, 302].some(isRetryableStatus)).toBe(false);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("99999", now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it("uses full jitter under an exponential, capped bound", () => {
    expect(retryDelayMs(0, policy, undefined, () => 0.999)).toBe(999);
    expect(retryDelayMs(3, policy, undefined, () => 0.5)).toBe(4000);
    expect(retryDelayMs(10, policy, undefined, () => 0.999)).toBe(59_940);
    expect(retryDelayMs(2, policy, undefined, () => 0)).toBe(0);
  });

  it("prefers the server's Retry-After", () => {
    expect(retryDelayMs(4, policy, 1234, () => 0.9)).toBe(1234);
  });

  it("treats a Retry-After of 0, negative, or garbage as none, so the normal backoff applies", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    for (const value of ["0", "0.0", "-5", "-0", "1e3", "5 s", "Infinity", "NaN", " ", "tomorrow", "-1"]) {
      expect(parseRetryAfter(value, now), value).toBeUndefined();
    }
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter(["3", "9"], now)).toBe(3000);
    // an HTTP date in the past or now is "no wait asked"
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:00 GMT", now)).toBeUndefined();
    expect(retryDelayMs(0, policy, parseRetryAfter("0", now), () => 0.5)).toBe(500);
  });

  it("caps one Retry-After wait at the backoff cap: a day's Retry-After delays a request by backoff_max_s", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryDelayMs(0, policy, parseRetryAfter("86400", now))).toBe(60_000);
    expect(retryDelayMs(0, policy, parseRetryAfter("Fri, 02 Jan 2026 00:00:00 GMT", now))).toBe(60_000);
    expect(retryDelayMs(0, policy, parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now))).toBe(5_000);
  });
});
