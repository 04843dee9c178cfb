import { afterEach, describe, expect, it } from "vitest";
import { Prefetch } from "../src/engine/prefetch.js";
import type { HttpClient } from "../src/http/client.js";
import { mockAgent, testClient } from "./helpers/http.js";

/** src/engine/prefetch.ts: the sync-wide bound on pages requested ahead, and each open list's share. */

/** The one thing Prefetch asks of the HTTP core: how many requests could start at once. */
const core = (spare: { n: number }) => ({ spare: () => spare.n }) as unknown as HttpClient;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("Prefetch", () => {
  it("takes up to the capacity across the sync, and again once given back", () => {
    const p = new Prefetch(core({ n: 100 }), 3);
    p.open();
    expect([p.tryTake(0), p.tryTake(1), p.tryTake(2), p.tryTake(3)]).toEqual([true, true, true, false]);
    p.give();
    expect(p.tryTake(2)).toBe(true);
    expect(p.tryTake(0)).toBe(false);
  });

  it("each open list holds at most its share (rounded up); the last list open gets all", () => {
    const p = new Prefetch(core({ n: 100 }), 5);
    p.open();
    p.open();
    // two lists: ceil(5 / 2) = 3 each
    expect(p.tryTake(2)).toBe(true);
    expect(p.tryTake(3)).toBe(false);
    p.close();
    expect(p.tryTake(3)).toBe(true);
  });

  it("takes none while the HTTP core could not start a request at once", () => {
    const spare = { n: 0 };
    const p = new Prefetch(core(spare), 4);
    p.open();
    expect(p.tryTake(0)).toBe(false);
    spare.n = 1;
    expect(p.tryTake(0)).toBe(true);
  });

  it("with a real client: its free in-flight slots and rate budget allow the takes", async () => {
    const agent = mockAgent();
    const { http } = testClient(agent);
    closers.push(
      () => http.close(),
      () => agent.close(),
    );
    expect(http.spare()).toBeGreaterThan(0);
    const p = new Prefetch(http, 2);
    p.open();
    expect([p.tryTake(0), p.tryTake(1), p.tryTake(2)]).toEqual([true, true, false]);
  });
});
