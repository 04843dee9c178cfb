import { createLogger, Redactor } from "../../src/log.js";

/** A debug-level logger whose lines (`level message`) land in `lines`. */
export function captureLog() {
  const lines: string[] = [];
  return { lines, log: createLogger("debug", (l, m) => lines.push(`${l} ${m}`), new Redactor([])) };
}

/** The error `fn` throws; fails the test if it throws none. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}
