/** SIGPIPE's exit code (128 + 13), which a shell pipeline expects of a writer whose reader is gone. */
const STDOUT_CLOSED = 141;

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

  /**
   * The exit code of an interrupted sync, once `report` has said why; undefined if nothing interrupted it.
   * A reader that went away (141) is told nothing: it reads no more, and `| head` is not an error.
   */
  async stopped(report: (reason: string) => unknown): Promise<number | undefined> {
    if (this.exitCode === undefined) return undefined;
    if (this.exitCode !== STDOUT_CLOSED) await report(this.controller.signal.reason.message);
    return this.exitCode;
  }

  stdoutClosed(): void {
    if (this.controller.signal.aborted) return;
    this.exitCode = STDOUT_CLOSED;
    this.controller.abort(new Error("stdout closed by the reader"));
  }
}
