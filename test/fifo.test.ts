import { describe, expect, it } from "vitest";
import { Fifo } from "../src/engine/fifo.js";

describe("Fifo", () => {
  it("gives values back in the order they came, across wrap-arounds and growth", () => {
    const fifo = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    // keep 3 to 20 values queued, so the ring both wraps and doubles
    for (let round = 0; round < 50; round++) {
      const target = 3 + (round % 18);
      while (fifo.size < target) fifo.push(next++);
      while (fifo.size > 2) out.push(fifo.shift()!);
    }
    out.push(...fifo);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it("peeks without taking, and is empty once drained", () => {
    const fifo = new Fifo<string>();
    expect(fifo.peek()).toBeUndefined();
    expect(fifo.shift()).toBeUndefined();
    fifo.push("a");
    fifo.push("b");
    expect(fifo.peek()).toBe("a");
    expect(fifo.size).toBe(2);
    expect([fifo.shift(), fifo.shift(), fifo.shift()]).toEqual(["a", "b", undefined]);
    expect(fifo.size).toBe(0);
    expect([...fifo]).toEqual([]);
  });
});
