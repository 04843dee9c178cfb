import { TapError } from "../errors.js";
import {
  classify,
  type ErrorCause,
  type ErrorContext,
  type ErrorRule,
  type HttpErrorKind,
} from "./error-policy.js";

export type { HttpErrorKind } from "./error-policy.js";

/**
 * A request that failed for good, with the error-policy row that decided so. The message names the endpoint
 * (path and query, never headers, so never the key) and the cause, in one line.
 */
export class HttpError extends TapError {
  /** after retries ran out: what the last try met */
  lastCause?: ErrorCause;

  constructor(
    readonly rule: ErrorRule,
    readonly endpoint: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${message} (GET ${endpoint})`, rule.failureType);
  }

  get kind(): HttpErrorKind {
    return this.rule.kind;
  }

  /** The table's row for a cause, its hint first, then what was seen. */
  static of(cause: ErrorCause, endpoint: string, detail?: string, context?: ErrorContext): HttpError {
    const rule = classify(cause, context);
    const message = detail ? `${rule.hint}: ${detail}` : rule.hint;
    return new HttpError(rule, endpoint, message, typeof cause === "number" ? cause : undefined);
  }
}
