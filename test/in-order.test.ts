import { describe, expect, it } from "vitest";
import { readInOrder, START_ALL } from "../src/engine/in-order.js";

describe("readInOrder", () => {
  it("asks the current list for its first item before starting the lists that follow", async () => {
    const asked: number[] = [];
    async function* list(n: number): AsyncGenerator<number> {
      asked.push(n);
      yield n;
    }
    const items: number[] = [];
    for await (const event of readInOrder([list(0), list(1), list(2)], START_ALL)) {
      if ("item" in event) items.push(event.item);
    }
    // requests queue in the order they are asked: the list read first must be asked first
    expect(asked).toEqual([0, 1, 2]);
    expect(items).toEqual([0, 1, 2]);
  });
});
