import type { FailureType } from "../errors.js";

/**
 * The one error-classification table: what the tap does with each way a request can go wrong. The HTTP core
 * applies `retry` and `rate-limited` itself; `stop-sync` ends the whole sync at the first stream that meets it
 * (a rejected key fails every stream alike); `fail` fails that stream, the others go on; `skip-stream` ends that
 * stream with a warning and no failure; `skip-parent` skips one parent of a per-parent stream (deleted since
 * it was listed). Streams override the action for a status in their table row (`onError` in src/streams/table.ts).
 */
export type ErrorAction = "retry" | "rate-limited" | "fail" | "skip-stream" | "skip-parent" | "stop-sync";

/** What went wrong: an HTTP status, or a named problem with the connection or the body. */
export type ErrorCause =
  | number
  | "network"
  | "timeout"
  | "invalid_json"
  | "too_large"
  | "too_deep"
  | "bad_envelope"
  | "retries_exhausted";

/**
 * Where it happened. A 403 or 404 on the sync's first request is asked again of the account-wide probe
 * (the path of the stream table's CHECK_STREAM, what `check` calls): the same answer there is one every stream would get.
 */
export interface ErrorContext {
  /** the answer of the account-wide probe */
  accountWide?: boolean;
  /** a stream read per parent row (a 404 there is one parent deleted since it was listed) */
  perParent?: boolean;
}

export type HttpErrorKind =
  | "auth"
  | "forbidden"
  | "not_found"
  | "rejected"
  | "redirect"
  | "retries_exhausted"
  | "bad_envelope"
  | "too_large"
  | "too_deep";

export interface ErrorRule {
  action: ErrorAction;
  failureType: FailureType;
  kind: HttpErrorKind;
  /** what to say, and what to check: the first part of the one-line error */
  hint: string;
}

/** Per-stream overrides of the action for a status (e.g. a 404 that means "this account has no such list"). */
export type ErrorOverrides = Readonly<Partial<Record<number, ErrorAction>>>;

/** The table. Every row is unit-tested in test/error-policy.test.ts. */
export function classify(cause: ErrorCause, context: ErrorContext = {}): ErrorRule {
  if (typeof cause === "number") return classifyStatus(cause, context);
  switch (cause) {
    case "network":
      return transient("network error: check base_url and the network");
    case "timeout":
      return transient("no complete response in time: the API is slow or unreachable");
    case "invalid_json":
      // a proxy's HTML page or a cut-off body: worth another try
      return transient("the body is not valid JSON");
    case "too_large":
      // another try would read as much again
      return rule("fail", "system_error", "too_large", "response larger than max_response_mb");
    case "too_deep":
      return rule("fail", "system_error", "too_deep", "response nested too deep to be rows");
    case "bad_envelope":
      return rule("fail", "system_error", "bad_envelope", "unexpected response");
    case "retries_exhausted":
      return rule("fail", "transient_error", "retries_exhausted", "gave up");
  }
}

function classifyStatus(status: number, context: ErrorContext): ErrorRule {
  if (status === 429) return { ...transient("rate limited (HTTP 429)"), action: "rate-limited" };
  if (status === 408 || (status >= 500 && status <= 599))
    return transient(`the API is failing (HTTP ${status}); try again later`);
  if (status === 401)
    return rule(
      "stop-sync",
      "config_error",
      "auth",
      "authentication failed (HTTP 401): check api_key, and that account_id is the key's account",
    );
  if (status === 403) {
    return context.accountWide
      ? rule(
          "stop-sync",
          "config_error",
          "forbidden",
          "access denied (HTTP 403) for the whole account: check the API key's permissions and account_id",
        )
      : rule(
          "fail",
          "config_error",
          "forbidden",
          "access denied (HTTP 403): the API key has no rights for this endpoint",
        );
  }
  if (status === 404) {
    if (context.perParent)
      return rule(
        "skip-parent",
        "config_error",
        "not_found",
        "not found (HTTP 404): deleted since it was listed",
      );
    return context.accountWide
      ? rule(
          "stop-sync",
          "config_error",
          "not_found",
          "not found (HTTP 404) for the whole account: check account_id and base_url",
        )
      : rule("fail", "config_error", "not_found", "not found (HTTP 404): this endpoint is not available");
  }
  // never asked for (no conditional headers are sent): a cache or proxy between us and the API
  if (status === 304)
    return rule(
      "fail",
      "config_error",
      "redirect",
      "HTTP 304 Not Modified to a request without conditions: a cache or proxy answers for the API; check base_url",
    );
  if (status >= 300 && status < 400)
    return rule(
      "fail",
      "config_error",
      "redirect",
      `refused to follow a redirect (HTTP ${status}): check base_url`,
    );
  return rule("fail", "system_error", "rejected", `request rejected (HTTP ${status})`);
}

/** The action for a stream: its table row's override for the status, else the table's. */
export function actionFor(
  rule: ErrorRule,
  status: number | undefined,
  overrides?: ErrorOverrides,
): ErrorAction {
  // a sync-wide stop is never downgraded by one stream
  if (rule.action === "stop-sync" || status === undefined) return rule.action;
  return overrides?.[status] ?? rule.action;
}

/**
 * What Airbyte `check` tells the user to fix. Its one request is the account-wide probe, so a 401, 403 or 404
 * there is the key's or the account's; retries that ran out blame the network only when no answer came.
 */
export function checkAdvice(kind: HttpErrorKind, lastCause: ErrorCause | undefined, baseUrl: string): string {
  switch (kind) {
    case "auth":
      return "FirstPromoter rejected the API key: check api_key (Settings > Integrations > Manage API Keys), and that account_id is the key's account";
    case "forbidden":
      return "FirstPromoter accepted the API key but denied access: check the key's permissions and account_id";
    case "not_found":
      return "the API key was accepted but the account was not found: check account_id";
    case "retries_exhausted":
      return lastCause === undefined || lastCause === "network" || lastCause === "timeout"
        ? `could not reach ${baseUrl}: check base_url and the network`
        : `the API kept failing at ${baseUrl}: ${classify(lastCause).hint}`;
    default:
      // the message that follows carries the table row's hint (a redirect, a rejected request, a bad body)
      return "unexpected answer from the API";
  }
}

/** A recursion that ran out of stack: a body nested deeper than any row (a hostile or broken server). */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** Whether the HTTP core tries again. */
export function isRetried(rule: ErrorRule): boolean {
  return rule.action === "retry" || rule.action === "rate-limited";
}

function transient(hint: string): ErrorRule {
  return rule("retry", "transient_error", "retries_exhausted", hint);
}

function rule(action: ErrorAction, failureType: FailureType, kind: HttpErrorKind, hint: string): ErrorRule {
  return { action, failureType, kind, hint };
}
