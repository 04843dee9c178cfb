/**
 * Error kinds the CLI turns into one clear line (Singer) or a TRACE error (Airbyte).
 * `failureType` is Airbyte's: config_error (the user must fix something), transient_error (retries ran out),
 * system_error (anything else).
 */
export type FailureType = "config_error" | "transient_error" | "system_error";

export class TapError extends Error {
  readonly failureType: FailureType;
  constructor(message: string, failureType: FailureType, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.failureType = failureType;
  }
}

/** A bad config, catalog or state file, or a bad command line. */
export class InputError extends TapError {
  constructor(message: string) {
    super(message, "config_error");
  }
}
