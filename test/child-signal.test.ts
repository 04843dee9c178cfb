import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { childSignal } from "../src/http/child-signal.js";

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
