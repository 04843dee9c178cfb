import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { childController, childSignal } from "../src/http/child-signal.js";

describe("childSignal", () => {
  it("adds one listener to the parent however many children come and go", () => {
    const parent = new AbortController();
    for (let i = 0; i < 50; i++) childSignal(parent.signal).release();
    const live = [childSignal(parent.signal), childSignal(parent.signal)];
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(1);
    expect(live.every((c) => c.signal && !c.signal.aborted)).toBe(true);
  });

  it("aborts the live children with the parent's reason, not the released ones", () => {
    const parent = new AbortController();
    const done = childSignal(parent.signal);
    done.release();
    const live = childSignal(parent.signal);
    const reason = new Error("stop");
    parent.abort(reason);
    expect(live.signal?.aborted).toBe(true);
    expect(live.signal?.reason).toBe(reason);
    expect(done.signal?.aborted).toBe(false);
  });

  it("is aborted from the start under an aborted parent, and absent without a parent", () => {
    const parent = new AbortController();
    parent.abort(new Error("gone"));
    expect(childSignal(parent.signal).signal?.aborted).toBe(true);
    expect(childSignal(undefined).signal).toBeUndefined();
  });
});

describe("childController", () => {
  it("aborts itself alone: not the parent, not a sibling", () => {
    const parent = new AbortController();
    const a = childController(parent.signal);
    const b = childController(parent.signal);
    const reason = new Error("deadline");
    a.abort(reason);
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe(reason);
    expect(b.signal.aborted).toBe(false);
    expect(parent.signal.aborted).toBe(false);
    parent.abort(new Error("stop"));
    expect(b.signal.reason).toEqual(new Error("stop"));
  });

  it("works without a parent, and adds no dependant signal to a long-lived parent", () => {
    const alone = childController(undefined);
    alone.abort("x");
    expect(alone.signal.aborted).toBe(true);
    const parent = new AbortController();
    for (let i = 0; i < 100; i++) childController(parent.signal).release();
    const dependants = Object.getOwnPropertySymbols(parent.signal).find(
      (s) => s.description === "kDependantSignals",
    );
    // AbortSignal.any([parent, own]) leaves one entry per child here until the parent dies (Node 20)
    expect(
      dependants === undefined
        ? 0
        : (parent.signal as unknown as Record<symbol, Set<unknown>>)[dependants]!.size,
    ).toBe(0);
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(1);
  });
});
