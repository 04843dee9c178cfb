import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fatalWrite, OutputWriter, recordLines } from "../src/protocol/output.js";

/** src/protocol/output.ts: stdout with backpressure, a reader that goes away, and fatal write errors. */

/** A writable that holds every write until `release()`, so its buffer fills at `highWaterMark` bytes. */
function slowSink(highWaterMark: number) {
  const written: string[] = [];
  const held: Array<() => void> = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      held.push(callback);
    },
  });
  const release = () => {
    while (held.length) held.shift()!();
  };
  return { stream, written, release };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("OutputWriter", () => {
  it("returns nothing while the pipe has room", () => {
    const sink = slowSink(1024);
    const out = new OutputWriter(sink.stream);
    expect(out.write("a\n")).toBeUndefined();
    expect(sink.written).toEqual(["a\n"]);
  });

  it("returns one shared promise while the pipe is full, resolved when it drains", async () => {
    const sink = slowSink(4);
    const out = new OutputWriter(sink.stream);
    const first = out.write("0123456789\n");
    expect(first).toBeInstanceOf(Promise);
    const second = out.write("more\n");
    expect(second).toBe(first);
    let resolved = false;
    void first!.then(() => {
      resolved = true;
    });
    await Promise.resolve();
    expect(resolved).toBe(false);
    sink.release();
    await first;
    sink.release();
    expect(resolved).toBe(true);
    expect(sink.written.join("")).toBe("0123456789\nmore\n");
  });

  it("a reader that goes away (EPIPE) closes it once; later writes are dropped", () => {
    const sink = slowSink(1024);
    const out = new OutputWriter(sink.stream);
    const closed = vi.fn();
    out.onClosed(closed);
    sink.stream.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    sink.stream.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    expect(out.isClosed).toBe(true);
    expect(closed).toHaveBeenCalledTimes(1);
    expect(out.write("late\n")).toBeUndefined();
    expect(sink.written).toEqual([]);
  });

  it("a closed stream closes it too, and a pending wait for the drain ends", async () => {
    const sink = slowSink(1);
    const out = new OutputWriter(sink.stream);
    const waiting = out.write("full\n")!;
    sink.stream.destroy();
    await waiting;
    expect(out.isClosed).toBe(true);
  });

  it("flush resolves once what was written reached the stream, at once when closed", async () => {
    const sink = slowSink(1024);
    const out = new OutputWriter(sink.stream);
    out.write("a\n");
    let flushed = false;
    const flushing = out.flush().then(() => {
      flushed = true;
    });
    await Promise.resolve();
    expect(flushed).toBe(false);
    sink.release();
    await new Promise((resolve) => setImmediate(resolve));
    sink.release();
    await flushing;
    expect(flushed).toBe(true);
    sink.stream.emit("close");
    await expect(out.flush()).resolves.toBeUndefined();
  });

  it("any other write error (a full disk) is fatal: one line, exit 1", () => {
    const sink = slowSink(1024);
    new OutputWriter(sink.stream);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    vi.spyOn(process, "exit").mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => sink.stream.emit("error", Object.assign(new Error("no space"), { code: "ENOSPC" }))).toThrow(
      "exit 1",
    );
    expect(stderr).toHaveBeenCalledWith(
      expect.stringMatching(/^\S+Z CRITICAL cannot write to stdout: ENOSPC\n$/),
    );
  });
});

describe("fatalWrite", () => {
  it("says nothing on stderr when stderr itself failed, and still exits 1", () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const exit = vi.spyOn(process, "exit").mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => fatalWrite("stderr", Object.assign(new Error("x"), { code: "EPIPE" }))).toThrow("exit 1");
    expect(stderr).not.toHaveBeenCalled();
    expect(exit).toHaveBeenCalledWith(1);
  });

  it("names the error's message when it has no code", () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    vi.spyOn(process, "exit").mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => fatalWrite("demo.duckdb", new Error("disk quota exceeded"))).toThrow("exit 1");
    expect(stderr).toHaveBeenCalledWith(
      expect.stringMatching(/^\S+Z CRITICAL cannot write to demo.duckdb: disk quota exceeded\n$/),
    );
  });
});

describe("recordLines", () => {
  it("puts each row's JSON between the head and the tail, in order, as one string", () => {
    const rows = [
      { id: 1, name: "a\nb" },
      { id: 2, nested: { x: [1, null] } },
    ];
    expect(recordLines(rows, "<", ">\n")).toBe(
      '<{"id":1,"name":"a\\nb"}>\n<{"id":2,"nested":{"x":[1,null]}}>\n',
    );
  });

  it("is empty for no rows", () => {
    expect(recordLines([], "<", ">")).toBe("");
  });
});
