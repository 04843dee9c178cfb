/**
 * SIGINT/SIGTERM and a closed stdout abort the sync: streams stop fetching, the last checkpoint stands.
 * The exit code says why (128 + signal number; 141 for a reader that went away, like SIGPIPE).
 */
export class Interrupts {
  readonly controller = new AbortController();
  exitCode: number | undefined;

  constructor() {
    const onSignal = (signal: NodeJS.Signals, code: number) => () => {
      if (this.controller.signal.aborted) return;
      this.exitCode = code;
      this.controller.abort(new Error(`stopped by ${signal}`));
    };
    process.once("SIGINT", onSignal("SIGINT", 130));
    process.once("SIGTERM", onSignal("SIGTERM", 143));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stdoutClosed(): void {
    if (this.controller.signal.aborted) return;
    this.exitCode = 141;
    this.controller.abort(new Error("stdout closed by the reader"));
  }
}
