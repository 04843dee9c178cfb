import { type FailureType, TapError } from "../errors.js";

export type HttpErrorKind =
  | "auth"
  | "forbidden"
  | "not_found"
  | "rejected"
  | "redirect"
  | "retries_exhausted"
  | "bad_envelope";

/**
 * A request that failed for good. The message names the endpoint (path and query, never headers, so never the
 * key) and the cause, in one line.
 */
export class HttpError extends TapError {
  constructor(
    readonly kind: HttpErrorKind,
    readonly endpoint: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${message} (GET ${endpoint})`, failureTypeOf(kind));
  }
}

function failureTypeOf(kind: HttpErrorKind): FailureType {
  switch (kind) {
    case "auth":
    case "forbidden":
    case "not_found":
    case "redirect":
      return "config_error";
    case "retries_exhausted":
      return "transient_error";
    default:
      return "system_error";
  }
}

/** The one-line explanation of a non-retryable status. */
export function describeStatus(status: number, serverMessage: string | undefined): [HttpErrorKind, string] {
  const detail = serverMessage ? `: ${serverMessage}` : "";
  if (status === 401) return ["auth", `authentication failed (HTTP 401): check api_key${detail}`];
  if (status === 403)
    return ["forbidden", `access denied (HTTP 403): the API key has no rights for this endpoint${detail}`];
  if (status === 404) return ["not_found", `not found (HTTP 404): check account_id and base_url${detail}`];
  if (status >= 300 && status < 400)
    return ["redirect", `refused to follow a redirect (HTTP ${status}): check base_url`];
  return ["rejected", `request rejected (HTTP ${status})${detail}`];
}
