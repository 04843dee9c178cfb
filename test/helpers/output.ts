import { Writable } from "node:stream";
import { OutputWriter } from "../../src/protocol/output.js";

/** An OutputWriter over memory: `lines()` parses every message written so far. */
export function memoryOutput(): {
  out: OutputWriter;
  text: () => string;
  lines: () => Array<Record<string, unknown>>;
} {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return {
    out: new OutputWriter(stream),
    text: () => text,
    lines: () =>
      text
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
