import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import type { Dispatcher } from "undici";
import { type Logger, Redactor } from "../log.js";
import { parseRetryAfter, type RetryPolicy } from "./backoff.js";
import { childController, childSignal } from "./child-signal.js";
import { classify, type ErrorCause, type ErrorContext, isRetried } from "./error-policy.js";
import { HttpError } from "./http-error.js";
import { parseJson } from "./json.js";
import type { RateBudget, Release } from "./rate-budget.js";
import { RetryLedger } from "./retry-ledger.js";
import { Semaphore } from "./semaphore.js";
import { type SentWatch, watchSent } from "./sent.js";
import { sleep } from "./sleep.js";
import { Agent, request } from "./undici.js";
import { decodeUtf8 } from "./utf8.js";

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
  /** a body past this many bytes fails its request, not retried (max_response_mb); default 16 MB */
  maxResponseBytes?: number;
  /**
   * the account-wide probe: what `check` calls, and what a 403 or 404 on the sync's first request is re-asked
   * of (the path of the stream table's CHECK_STREAM)
   */
  probePath: string;
  /** tests inject an undici MockAgent; default is a keep-alive Agent sized to max concurrency */
  dispatcher?: Dispatcher;
  /** sees every attempt: path (no query), duration, whether it produced a usable body, the HTTP status */
  observe?: (path: string, ms: number, ok: boolean, status?: number) => void;
}

export type Query = ReadonlyArray<readonly [string, string]>;

/** The account-wide probe asks for one row. */
export const PROBE_QUERY: Query = [["per_page", "1"]];
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** the longest wait, once the account gets through again, of a request that met a full quota */
const REOPENED_JITTER_MS = 1_000;

/** A caller's own count of the requests made for it, kept as `HttpStats.requests` is (retries in, unsent out). */
export interface RequestTally {
  requests: number;
}

export interface HttpStats {
  requests: number;
  retries: number;
  rateLimited: number;
  /** requests sent and cancelled before their answer (a page asked ahead of a list that ended); every other
   * request is one METRIC timer sample, so `requests` = the timers' requests + `cancelled` */
  cancelled: number;
  /** pages requested ahead of a list's reader that it never read (the list ended first) */
  unusedAhead: number;
}

/**
 * The one HTTP core: auth headers, timeouts, the shared rate budget, the in-flight bound, retries with
 * backoff and Retry-After. Redirects are not followed (undici's request never follows them), so the bearer
 * token never leaves the configured host.
 */
export class HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0, cancelled: 0, unusedAhead: 0 };
  private readonly dispatcher: Dispatcher;
  private readonly inflight: Semaphore;
  private readonly headers: Record<string, string>;
  private readonly base: URL;
  /** the api key, masked in a server's error message before it is shortened (a cut key is not recognised) */
  private readonly secrets: Redactor;
  /** moving average of a response's round trip; a guess until the first one is measured */
  private roundTripMs = 100;
  /** requests answered 2xx so far: a 429'd request sees from it whether the account is getting through */
  private answered = 0;
  /** wakes the requests waiting out a full quota (see `waitOutQuota`): called at the next answer */
  private readonly waitingOutQuota = new Set<() => void>();
  /**
   * Until the first request has an answer that does not stop the sync (a 401, or a 403 or 404 for the whole account),
   * no other request goes out: a rejected key costs one request, not one per stream. Settles once; rejects
   * with that error.
   */
  readonly keyAccepted: Promise<void>;
  private probe: "none" | "sent" | "done" = "none";
  private settleKey!: (error?: HttpError) => void;

  constructor(private readonly options: HttpClientOptions) {
    this.secrets = new Redactor([options.apiKey]);
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
    this.keyAccepted = new Promise<void>((resolve, reject) => {
      this.settleKey = (error) => {
        if (error) reject(error);
        else resolve();
      };
    });
    this.keyAccepted.catch(() => undefined);
  }

  /** Path and query as shown in logs and errors: relative to base_url, never with headers. */
  endpointOf(path: string, query: Query): string {
    const search = query.map(([k, v]) => `${k}=${v}`).join("&");
    return search ? `${path}?${search}` : path;
  }

  /**
   * A request as a warning names it: path, page and date window, never the whole query (a report's 19
   * `columns[]` made a 700-character line).
   */
  describe(path: string, query: Query): string {
    const get = (key: string) => query.find(([k]) => k === key)?.[1];
    const parts = [`GET ${path}`];
    const page = get("page");
    if (page) parts.push(`page ${page}`);
    const start = get("start_date");
    const end = get("end_date");
    if (start || end) parts.push(`window ${start?.slice(0, 10) ?? ""}..${end?.slice(0, 10) ?? ""}`);
    for (const [k, v] of query) {
      const filter = /^filters\[(\w+)\]\[from\]$/.exec(k);
      if (filter) parts.push(`${filter[1]} from ${v}`);
    }
    return parts.join(", ");
  }

  /** Requests per window the rate controller grants now: `requests_per_minute`, or less after 429s. */
  get rateLimit(): number {
    return this.options.budget.limit;
  }

  /** The account's quota is full: the controller holds its limit and probes (see RateBudget). */
  get rateHeld(): boolean {
    return this.options.budget.holding;
  }

  /**
   * Requests that could start now without waiting behind anyone: a free in-flight slot and a rate grant to
   * spare within one round trip. Optional work (pages requested ahead) sizes itself by this.
   */
  spare(): number {
    return Math.min(this.inflight.free, this.options.budget.spare(this.roundTripMs));
  }

  /** GET a JSON body, retrying what is worth retrying; throws HttpError with one clear line otherwise. */
  async getJson(path: string, query: Query, signal?: AbortSignal, tally?: RequestTally): Promise<unknown> {
    // the caller's signal outlives many requests; each request waits, sleeps and fetches on its own
    const own = childSignal(signal);
    try {
      if (this.probe === "none") return await this.probeKey(path, query, own.signal, tally);
      if (this.probe === "sent") await this.keyAccepted;
      return await this.fetchJson(path, query, own.signal, {}, tally);
    } finally {
      own.release();
    }
  }

  /**
   * The sync's first request. A 403 or 404 on it is asked again of the account-wide probe (unless it was
   * that): the same answer there is one every stream would get (a key without rights, a wrong account_id or
   * base_url), and stops the sync; otherwise it is this endpoint's alone.
   */
  private async probeKey(
    path: string,
    query: Query,
    signal: AbortSignal | undefined,
    tally: RequestTally | undefined,
  ): Promise<unknown> {
    this.probe = "sent";
    try {
      return await this.fetchJson(
        path,
        query,
        signal,
        { accountWide: path === this.options.probePath },
        tally,
      );
    } catch (error) {
      if (!isAccountQuestion(error) || path === this.options.probePath) throw error;
      try {
        await this.fetchJson(this.options.probePath, PROBE_QUERY, signal, { accountWide: true }, tally);
      } catch (probeError) {
        if (probeError instanceof HttpError && probeError.rule.action === "stop-sync") throw probeError;
        // the probe could not say (the network, a 5xx): the first answer stands as this endpoint's
      }
      throw error;
    } finally {
      this.keyAnswered(undefined);
    }
  }

  /** The first answer that does not stop the sync lets the other requests go. */
  private keyAnswered(error: unknown): void {
    if (this.probe !== "sent") return;
    // a 403 or 404 of one endpoint waits for the account-wide probe's answer
    if (isAccountQuestion(error)) return;
    this.probe = "done";
    this.settleKey(error instanceof HttpError && error.rule.action === "stop-sync" ? error : undefined);
  }

  private async fetchJson(
    path: string,
    query: Query,
    signal: AbortSignal | undefined,
    context: ErrorContext = {},
    tally?: RequestTally,
  ): Promise<unknown> {
    const url = new URL(path, this.base);
    for (const [k, v] of query) url.searchParams.append(k, v);
    const endpoint = this.endpointOf(path, query);
    const { retry, budget, log } = this.options;
    let lastCause = "";
    let lastKind: ErrorCause = "network";
    const retries = new RetryLedger(retry, budget.windowMs);
    for (;;) {
      const tries = retries.tries;
      let retryAfterMs: number | undefined;
      let rateLimited = false;
      await this.inflight.acquire(signal);
      let release: Release | undefined;
      let sent: SentWatch | undefined;
      let grantedAt = 0;
      try {
        release = await budget.acquire(signal);
        grantedAt = Date.now();
        retries.granted(this.answered);
        this.stats.requests++;
        if (tally) tally.requests++;
        const started = performance.now();
        const seen: Seen = {};
        sent = watchSent(url);
        const outcome = await this.attempt(url, endpoint, signal, seen, context).catch((error: unknown) => {
          this.keyAnswered(error);
          // a page requested ahead and dropped at the list's end was cancelled, not failed; one dropped
          // before it left was no request at all
          if (signal?.aborted) {
            if (sent?.reachedServer) this.stats.cancelled++;
            else {
              this.stats.requests--;
              if (tally) tally.requests--;
            }
          } else {
            const ms = performance.now() - started;
            this.options.observe?.(path, ms, false, seen.status);
            this.logAttempt(path, query, seen, ms, tries);
          }
          throw error;
        });
        this.keyAnswered(undefined);
        const ms = performance.now() - started;
        this.roundTripMs += (ms - this.roundTripMs) / 8;
        this.options.observe?.(path, ms, outcome.ok, seen.status);
        this.logAttempt(path, query, seen, ms, tries);
        if (outcome.ok || !outcome.rateLimited) budget.speedUp();
        if (outcome.ok) {
          this.answered++;
          if (this.waitingOutQuota.size) for (const wake of [...this.waitingOutQuota]) wake();
          return outcome.body;
        }
        lastCause = outcome.cause;
        lastKind = outcome.kind;
        retryAfterMs = outcome.retryAfterMs;
        rateLimited = outcome.rateLimited;
      } finally {
        release?.(signal?.aborted !== true ? "answered" : sent?.reachedServer ? "cancelled" : "unsent");
        sent?.done();
        this.inflight.release();
      }
      if (rateLimited) {
        // The account's limit is shared with clients we cannot see: lower the rate for every stream (once per
        // episode), but wait out this 429's Retry-After on this request alone. Another endpoint's requests
        // go on at the lowered rate instead of freezing for as long as one endpoint asks.
        this.stats.rateLimited++;
        budget.slowDown(grantedAt);
      }
      const next = retries.next({ rateLimited, retryAfterMs, grantedAt }, this.answered);
      if (!next) break;
      this.stats.retries++;
      const capped =
        retryAfterMs !== undefined && retryAfterMs > retry.maxMs
          ? " (the server asked for longer; backoff_max_s caps a wait)"
          : "";
      const wait = `${(next.delayMs / 1000).toFixed(1)} s${capped}`;
      log.warn(
        next.counted !== undefined
          ? `${this.describe(path, query)}: ${lastCause}; retry ${next.counted} of ${retry.maxRetries} in ${wait}`
          : `${this.describe(path, query)}: ${lastCause}; retry in ${wait}, not counted toward the ${retry.maxRetries} retries: ${next.uncounted}`,
      );
      // a 429 when nothing got through (the account's quota is full) waits for its backoff or until the
      // account gets through again, whichever comes first: a minute-long draw is no tail once the quota frees
      if (next.untilAnswered) await this.waitOutQuota(next.delayMs, signal);
      else await sleep(next.delayMs, signal);
    }
    const error = new HttpError(
      classify("retries_exhausted"),
      endpoint,
      `gave up after ${retries.tries + 1} tries: ${lastCause}${quotaFullFor(lastKind, retries.rateLimitedForMs())}`,
    );
    // the last cause's row says what to check (the network, the API's health, the rate)
    error.lastCause = lastKind;
    throw error;
  }

  /**
   * The backoff of a 429 that came while nothing else got through, cut short by the next answer of any
   * request: then the quota has room again, and this one follows after a short jitter (the rate budget paces
   * the rest), not after the rest of a draw of up to `backoff_max_s`.
   */
  private async waitOutQuota(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const reopened = new AbortController();
    const wake = () => reopened.abort();
    this.waitingOutQuota.add(wake);
    try {
      await sleep(ms, signal ? AbortSignal.any([signal, reopened.signal]) : reopened.signal);
    } catch (error) {
      if (!reopened.signal.aborted || signal?.aborted) throw error;
      await sleep(Math.random() * Math.min(ms, REOPENED_JITTER_MS), signal);
    } finally {
      this.waitingOutQuota.delete(wake);
    }
  }

  /** At debug level, one line per attempt. */
  private logAttempt(path: string, query: Query, seen: Seen, ms: number, attempt: number): void {
    const { log } = this.options;
    if (!log.enabled("debug")) return;
    const answer = seen.status === undefined ? "no response" : `HTTP ${seen.status}`;
    log.debug(
      `${this.describe(path, query)}: ${answer}, ${Math.round(ms)} ms, ${seen.bytes ?? 0} bytes, attempt ${attempt + 1}`,
      {
        event: "request",
        path,
        status: seen.status,
        ms: Math.round(ms),
        bytes: seen.bytes,
        attempt: attempt + 1,
      },
    );
  }

  private async attempt(
    url: URL,
    endpoint: string,
    signal: AbortSignal | undefined,
    seen: Seen,
    context: ErrorContext,
  ): Promise<
    | { ok: true; body: unknown }
    | { ok: false; cause: string; kind: ErrorCause; retryAfterMs?: number | undefined; rateLimited: boolean }
  > {
    // request_timeout_s bounds the whole request, headers and body: a server dripping a byte at a time
    // would otherwise keep undici's per-chunk body timeout from ever firing
    const bounded = childController(signal);
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      bounded.abort(new Error("deadline"));
    }, this.options.timeoutMs);
    const timedOut = () => ({
      ok: false as const,
      cause: `no complete response within ${this.options.timeoutMs / 1000} s`,
      kind: "timeout" as const,
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
          signal: bounded.signal,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (expired) return timedOut();
        const cause = networkCause(error);
        return { ok: false, cause, kind: cause === "timed out" ? "timeout" : "network", rateLimited: false };
      }
      seen.status = response.statusCode;
      try {
        text = await this.readBody(response, endpoint);
        if (this.options.log.enabled("debug")) seen.bytes = Buffer.byteLength(text);
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if (signal?.aborted) throw signal.reason;
        if (expired) return timedOut();
        return {
          ok: false,
          cause: `response body failed: ${networkCause(error)}`,
          kind: "network",
          rateLimited: false,
        };
      }
    } finally {
      clearTimeout(timer);
      bounded.release();
    }
    const status = response.statusCode;
    // rows were asked for: "no content" is no list at all, and asking again gets the same
    if (status === 204)
      throw HttpError.of("bad_envelope", endpoint, "HTTP 204 No Content where a JSON body was expected");
    if (status >= 200 && status < 300) {
      let body: unknown;
      try {
        body = parseJson(text);
      } catch {
        return {
          ok: false,
          cause: `HTTP ${status} with a body that is not valid JSON`,
          kind: "invalid_json",
          rateLimited: false,
        };
      }
      return { ok: true, body };
    }
    const rule = classify(status, context);
    if (isRetried(rule)) {
      return {
        ok: false,
        cause: `HTTP ${status}`,
        kind: status,
        retryAfterMs: parseRetryAfter(response.headers["retry-after"]),
        rateLimited: rule.action === "rate-limited",
      };
    }
    throw HttpError.of(status, endpoint, serverMessage(text, this.secrets), context);
  }

  /**
   * The body as text, counted while it streams in: past max_response_mb the request fails at once (a 700 MB
   * body is never held whole, and another try would read as much again).
   */
  private async readBody(response: Dispatcher.ResponseData, endpoint: string): Promise<string> {
    const limit = this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const tooLarge = () => {
      response.body.destroy();
      return HttpError.of("too_large", endpoint, `more than ${formatMb(limit)} MB`);
    };
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk);
    }
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    const encoding = response.headers["content-encoding"];
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    // an error's body is only its message: one that does not decode must not hide its status (a 401, a 429)
    const decoded = ok ? decode(raw, encoding, limit, endpoint) : decodeQuietly(raw, encoding, limit);
    const text = decodeUtf8(decoded);
    // a byte-order mark is not JSON, and asking again brings it again
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }
}

/**
 * No encoding is asked for, but a proxy may compress anyway: gzip, deflate and br are decoded (to at most
 * `limit` bytes: a small bomb must not become gigabytes), any other encoding fails at once.
 */
function decode(raw: Buffer, header: string | string[] | undefined, limit: number, endpoint: string): Buffer {
  const encoding = (Array.isArray(header) ? header.join(",") : (header ?? "")).trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return raw;
  const options = { maxOutputLength: limit };
  try {
    if (encoding === "gzip" || encoding === "x-gzip") return gunzipSync(raw, options);
    if (encoding === "br") return brotliDecompressSync(raw, options);
    if (encoding === "deflate") return isZlib(raw) ? inflateSync(raw, options) : inflateRawSync(raw, options);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) {
      throw HttpError.of("too_large", endpoint, `more than ${formatMb(limit)} MB once decompressed`);
    }
    // a stream cut short (the connection dropped mid-body) is worth another try, as a cut plain body is
    if (code === "Z_BUF_ERROR") throw new Error(`a ${encoding} body cut short`);
    throw HttpError.of("bad_envelope", endpoint, `a ${encoding} body that does not decompress`);
  }
  throw HttpError.of("bad_envelope", endpoint, `a body in an unsupported content-encoding: ${encoding}`);
}

/** An error response's body, decoded when it can be, else empty: its status says what happened. */
function decodeQuietly(raw: Buffer, header: string | string[] | undefined, limit: number): Buffer {
  try {
    return decode(raw, header, limit, "");
  } catch {
    return Buffer.alloc(0);
  }
}

/** RFC 1950's header (what `deflate` means), not the raw stream some servers send under that name. */
function isZlib(raw: Buffer): boolean {
  return raw.length >= 2 && (raw[0]! & 0x0f) === 8 && ((raw[0]! << 8) | raw[1]!) % 31 === 0;
}

/** What an attempt saw of the response, for the debug line and the metrics. */
interface Seen {
  status?: number;
  bytes?: number;
}

function networkCause(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "timed out";
  if (code === "ENOTFOUND") return "host not found";
  if (code === "ECONNREFUSED") return "connection refused";
  return code ? `network error ${code}` : `network error: ${e.message ?? String(error)}`;
}

/** A 403 or 404 that may be the account's, not the endpoint's, until the probe says. */
function isAccountQuestion(error: unknown): boolean {
  return (
    error instanceof HttpError &&
    (error.status === 403 || error.status === 404) &&
    error.rule.action !== "stop-sync"
  );
}

function formatMb(bytes: number): string {
  return String(Math.round((bytes / 1024 / 1024) * 100) / 100);
}

/**
 * The API's error bodies are `{message, code}`; show the message, shortened, and nothing else. Secrets are
 * masked first: a key cut in two by the shortening would pass every later mask.
 */
function serverMessage(text: string, secrets: Redactor): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body?.message === "string" && body.message) return secrets.redact(body.message).slice(0, 200);
  } catch {
    // an HTML error page or an empty body: the status says enough
  }
  return undefined;
}

/** What a request given up on after 429s adds to its error: how long the account's quota stayed full. */
function quotaFullFor(lastKind: ErrorCause, rateLimitedForMs: number | undefined): string {
  if (lastKind !== 429 || rateLimitedForMs === undefined) return "";
  return ` for ${Math.round(rateLimitedForMs / 1000)} s (the account's quota stayed full: other clients take it all, or requests_per_minute is above it)`;
}
