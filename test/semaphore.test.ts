import { describe, expect, it } from "vitest";
import { Semaphore } from "../src/http/semaphore.js";

describe("Semaphore", () => {
  it("serves waiters first come, first served", async () => {
    const slots = new Semaphore(1);
    await slots.acquire();
    const order: number[] = [];
    const a = slots.acquire().then(() => order.push(1));
    const b = slots.acquire().then(() => order.push(2));
    expect(slots.free).toBe(-2);
    slots.release();
    await a;
    slots.release();
    await b;
    expect(order).toEqual([1, 2]);
  });

  it("lets a waiter that gives up leave the queue holding nothing, so the next one gets the slot", async () => {
    const slots = new Semaphore(1);
    await slots.acquire();
    const gaveUp = new AbortController();
    const first = slots.acquire(gaveUp.signal);
    let secondHolds = false;
    const second = slots.acquire().then(() => {
      secondHolds = true;
    });
    gaveUp.abort(new Error("past the end of the list"));
    await expect(first).rejects.toThrow("past the end of the list");
    expect(secondHolds).toBe(false);
    slots.release();
    await second;
    expect(secondHolds).toBe(true);
    // the one slot is held by the second waiter, and nobody waits
    expect(slots.free).toBe(0);
    slots.release();
    expect(slots.free).toBe(1);
  });

  it("refuses at once when the caller has already given up", async () => {
    const slots = new Semaphore(2);
    const gaveUp = new AbortController();
    gaveUp.abort(new Error("stopped"));
    await expect(slots.acquire(gaveUp.signal)).rejects.toThrow("stopped");
    expect(slots.free).toBe(2);
  });
});
