import { logFormatOf } from "../log.js";
import { singerLogLine } from "./log-line.js";
/**
 * stdout with backpressure: `write` returns a promise only when the pipe is full, and callers await it,
 * so a slow reader slows the tap instead of growing a buffer. A reader that goes away (EPIPE, `| head`)
 * closes the writer once; later writes are dropped and `onClosed` lets the engine stop fetching.
 */
export class OutputWriter {
  private closed = false;
  private draining: Promise<void> | undefined;
  private closedListeners: Array<() => void> = [];
  /** masks the config's secrets in everything written (set once the config is read) */
  private mask: ((text: string) => string) | undefined;

  constructor(private readonly out: NodeJS.WritableStream) {
    out.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") this.close();
      else fatalWrite("stdout", error);
    });
    out.on("close", () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }

  /** From here on, every write goes through `mask` (a Redactor's): no secret reaches stdout, records included. */
  maskWith(mask: (text: string) => string): void {
    this.mask = mask;
  }

  write(text: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.out.write(this.mask ? this.mask(text) : text)) return undefined;
    // concurrent streams share one wait for the pipe to drain
    this.draining ??= new Promise<void>((resolve) => {
      const done = () => {
        this.out.off("drain", done);
        this.out.off("close", done);
        this.out.off("error", done);
        this.draining = undefined;
        resolve();
      };
      this.out.on("drain", done);
      this.out.on("close", done);
      this.out.on("error", done);
    });
    return this.draining;
  }

  /** Resolves once everything written so far has been handed to the OS (or the reader is gone). */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.out.write("", () => resolve()));
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closedListeners) listener();
  }
}

/**
 * A page of rows as one write: each row's JSON between a protocol's `head` and `tail` (the envelope of a
 * RECORD message), concatenated (the hot loop of every sync, shared by both protocols).
 */
export function recordLines(rows: readonly unknown[], head: string, tail: string): string {
  let chunk = "";
  for (const row of rows) chunk += head + JSON.stringify(row) + tail;
  return chunk;
}

/** Disk full (ENOSPC) or another write error on an output: one line, exit 1, no stack trace. */
export function fatalWrite(what: string, error: NodeJS.ErrnoException): never {
  try {
    if (what !== "stderr") {
      const message = `cannot write to ${what}: ${error.code ?? error.message}`;
      process.stderr.write(singerLogLine("fatal", message, {}, logFormatOf(process.argv.slice(2))));
    }
  } finally {
    process.exit(1);
  }
}
