import type { Dispatcher } from "undici";
import type { Logger } from "../log.js";
import { isRetryableStatus, parseRetryAfter, type RetryPolicy, retryDelayMs } from "./backoff.js";
import { childSignal } from "./child-signal.js";
import { describeStatus, HttpError } from "./http-error.js";
import { parseJson } from "./json.js";
import type { RateBudget, Release } from "./rate-budget.js";
import { Semaphore } from "./semaphore.js";
import { sleep } from "./sleep.js";
import { Agent, request } from "./undici.js";

export interface HttpClientOptions {
  baseUrl: string;
  apiKey: string;
  accountId: string;
  userAgent: string;
  timeoutMs: number;
  retry: RetryPolicy;
  budget: RateBudget;
  maxConcurrency: number;
  log: Logger;
  /** tests inject an undici MockAgent; default is a keep-alive Agent sized to max concurrency */
  dispatcher?: Dispatcher;
  /** sees every attempt: path (no query), duration, and whether it produced a usable body */
  observe?: (path: string, ms: number, ok: boolean) => void;
}

export type Query = ReadonlyArray<readonly [string, string]>;

export interface HttpStats {
  requests: number;
  retries: number;
  rateLimited: number;
}

/**
 * The one HTTP core: auth headers, timeouts, the shared rate budget, the in-flight bound, retries with
 * backoff and Retry-After. Redirects are not followed (undici's request never follows them), so the bearer
 * token never leaves the configured host.
 */
export class HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly dispatcher: Dispatcher;
  private readonly inflight: Semaphore;
  private readonly headers: Record<string, string>;
  private readonly base: URL;
  /** moving average of a response's round trip; a guess until the first one is measured */
  private roundTripMs = 100;

  constructor(private readonly options: HttpClientOptions) {
    this.base = new URL(`${options.baseUrl}/`);
    this.inflight = new Semaphore(options.maxConcurrency);
    this.dispatcher =
      options.dispatcher ??
      new Agent({ connections: options.maxConcurrency, keepAliveTimeout: 30_000, pipelining: 1 });
    this.headers = {
      authorization: `Bearer ${options.apiKey}`,
      "account-id": options.accountId,
      accept: "application/json",
      "user-agent": options.userAgent,
    };
  }

  /** Path and query as shown in logs and errors: relative to base_url, never with headers. */
  endpointOf(path: string, query: Query): string {
    const search = query.map(([k, v]) => `${k}=${v}`).join("&");
    return search ? `${path}?${search}` : path;
  }

  /**
   * Requests that could start now without waiting behind anyone: a free in-flight slot and a rate grant to
   * spare within one round trip. Optional work (pages requested ahead) sizes itself by this.
   */
  spare(): number {
    return Math.min(this.inflight.free, this.options.budget.spare(this.roundTripMs));
  }

  /** GET a JSON body, retrying what is worth retrying; throws HttpError with one clear line otherwise. */
  async getJson(path: string, query: Query, signal?: AbortSignal): Promise<unknown> {
    // the caller's signal outlives many requests; each request waits, sleeps and fetches on its own
    const own = childSignal(signal);
    try {
      return await this.fetchJson(path, query, own.signal);
    } finally {
      own.release();
    }
  }

  private async fetchJson(path: string, query: Query, signal: AbortSignal | undefined): Promise<unknown> {
    const url = new URL(path, this.base);
    for (const [k, v] of query) url.searchParams.append(k, v);
    const endpoint = this.endpointOf(path, query);
    const { retry, budget, log } = this.options;
    let lastCause = "";
    for (let attempt = 0; attempt <= retry.maxRetries; attempt++) {
      let retryAfterMs: number | undefined;
      let rateLimited = false;
      await this.inflight.acquire();
      let release: Release | undefined;
      try {
        release = await budget.acquire(signal);
        this.stats.requests++;
        const started = performance.now();
        const outcome = await this.attempt(url, endpoint, signal).catch((error: unknown) => {
          // a page requested ahead and dropped at the list's end was cancelled, not failed
          if (!signal?.aborted) this.options.observe?.(path, performance.now() - started, false);
          throw error;
        });
        const ms = performance.now() - started;
        this.roundTripMs += (ms - this.roundTripMs) / 8;
        this.options.observe?.(path, ms, outcome.ok);
        if (outcome.ok) return outcome.body;
        lastCause = outcome.cause;
        retryAfterMs = outcome.retryAfterMs;
        rateLimited = outcome.rateLimited;
      } finally {
        release?.();
        this.inflight.release();
      }
      const delay = retryDelayMs(attempt, retry, retryAfterMs);
      if (rateLimited) {
        // every stream shares the account's limit: hold them all, and stay below the rate that drew the 429
        this.stats.rateLimited++;
        budget.slowDown();
        budget.pause(delay);
      }
      if (attempt === retry.maxRetries) break;
      this.stats.retries++;
      log.warn(
        `GET ${endpoint}: ${lastCause}; retry ${attempt + 1} of ${retry.maxRetries} in ${(delay / 1000).toFixed(1)} s`,
      );
      await sleep(delay, signal);
    }
    throw new HttpError(
      "retries_exhausted",
      endpoint,
      `gave up after ${retry.maxRetries + 1} tries: ${lastCause}`,
    );
  }

  private async attempt(
    url: URL,
    endpoint: string,
    signal: AbortSignal | undefined,
  ): Promise<
    | { ok: true; body: unknown }
    | { ok: false; cause: string; retryAfterMs?: number | undefined; rateLimited: boolean }
  > {
    // request_timeout_s bounds the whole request, headers and body: a server dripping a byte at a time
    // would otherwise keep undici's per-chunk body timeout from ever firing
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error("deadline")), this.options.timeoutMs);
    const bounded = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    const timedOut = () => ({
      ok: false as const,
      cause: `no complete response within ${this.options.timeoutMs / 1000} s`,
      rateLimited: false,
    });
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      try {
        response = await request(url, this.dispatcher, {
          method: "GET",
          headers: this.headers,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
          signal: bounded,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (deadline.signal.aborted) return timedOut();
        return { ok: false, cause: networkCause(error), rateLimited: false };
      }
      try {
        text = await response.body.text();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (deadline.signal.aborted) return timedOut();
        return { ok: false, cause: `response body failed: ${networkCause(error)}`, rateLimited: false };
      }
    } finally {
      clearTimeout(timer);
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      let body: unknown;
      try {
        body = parseJson(text);
      } catch {
        return { ok: false, cause: `HTTP ${status} with a body that is not valid JSON`, rateLimited: false };
      }
      return { ok: true, body };
    }
    if (isRetryableStatus(status)) {
      return {
        ok: false,
        cause: `HTTP ${status}`,
        retryAfterMs: parseRetryAfter(response.headers["retry-after"]),
        rateLimited: status === 429,
      };
    }
    const [kind, message] = describeStatus(status, serverMessage(text));
    throw new HttpError(kind, endpoint, message, status);
  }

  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }
}

function networkCause(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "timed out";
  if (code === "ENOTFOUND") return "host not found";
  if (code === "ECONNREFUSED") return "connection refused";
  return code ? `network error ${code}` : `network error: ${e.message ?? String(error)}`;
}

/** The API's error bodies are `{message, code}`; show the message, shortened, and nothing else. */
function serverMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body?.message === "string" && body.message) return body.message.slice(0, 200);
  } catch {
    // an HTML error page or an empty body: the status says enough
  }
  return undefined;
}
