import { describe, expect, it } from "vitest";
import type { ListEvent } from "../src/engine/in-order.js";
import { readSideBySide } from "../src/engine/side-by-side.js";

/** A list of `pages` items answered after `ms` each, recording how many of all lists are being asked at once. */
function pagedLists(sizes: number[], ms = 2) {
  const meter = { now: 0, max: 0, asked: 0 };
  const lists = sizes.map(async function* (pages, list) {
    for (let page = 1; page <= pages; page++) {
      meter.asked++;
      meter.now++;
      meter.max = Math.max(meter.max, meter.now);
      await new Promise((resolve) => setTimeout(resolve, ms));
      meter.now--;
      yield `${list}:${page}`;
    }
  });
  return { lists, meter };
}

async function collect<T>(events: AsyncGenerator<ListEvent<T>>): Promise<string[]> {
  const out: string[] = [];
  for await (const event of events) out.push("item" in event ? String(event.item) : `${event.list}:end`);
  return out;
}

describe("readSideBySide", () => {
  it("yields every item in list order, each list's end after its items", async () => {
    const { lists, meter } = pagedLists([3, 1, 4, 2, 2]);
    const out = await collect(readSideBySide(lists, 4, 24));
    expect(out).toEqual([
      ...["0:1", "0:2", "0:3", "0:end"],
      ...["1:1", "1:end"],
      ...["2:1", "2:2", "2:3", "2:4", "2:end"],
      ...["3:1", "3:2", "3:end"],
      ...["4:1", "4:2", "4:end"],
    ]);
    // the same items asked as reading them one after another: none more
    expect(meter.asked).toBe(12);
  });

  it("reads up to `atOnce` lists at the same time, not one chain after another", async () => {
    const { lists, meter } = pagedLists([6, 6, 6, 6, 6, 6]);
    await collect(readSideBySide(lists, 4, 24));
    expect(meter.max).toBe(4);
  });

  it("holds at most `maxAhead` items of the lists after the current one, plus one asked per list", async () => {
    const { lists, meter } = pagedLists([20, 20, 20, 20], 1);
    let taken = 0;
    let heldMax = 0;
    for await (const event of readSideBySide(lists, 4, 5)) {
      if (!("item" in event)) continue;
      taken++;
      // the reader is slower than the lists: the ones after the current one fill what they may hold
      await new Promise((resolve) => setTimeout(resolve, 3));
      heldMax = Math.max(heldMax, meter.asked - taken);
    }
    expect(taken).toBe(80);
    expect(heldMax).toBeGreaterThanOrEqual(5);
    expect(heldMax).toBeLessThanOrEqual(5 + 4);
  });

  it("a later list's failure surfaces at its turn, after the lists before it were yielded whole", async () => {
    async function* ok(n: number): AsyncGenerator<string> {
      yield `${n}:1`;
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield `${n}:2`;
    }
    async function* broken(): AsyncGenerator<string> {
      yield* [];
      throw new Error("window 2 failed");
    }
    const out: string[] = [];
    const read = async () => {
      for await (const event of readSideBySide([ok(0), ok(1), broken(), ok(3)], 4, 24)) {
        out.push("item" in event ? String(event.item) : `${event.list}:end`);
      }
    };
    await expect(read()).rejects.toThrow("window 2 failed");
    expect(out).toEqual(["0:1", "0:2", "0:end", "1:1", "1:2", "1:end"]);
  });
});
