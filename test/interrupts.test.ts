import { afterEach, describe, expect, it } from "vitest";
import { Interrupts } from "../src/app/interrupts.js";

/** src/app/interrupts.ts: why a sync stopped, its exit code, and who is told. */

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));

const interrupts = () => new Interrupts();

afterEach(() => {
  // the constructor listens for SIGINT/SIGTERM once: drop the listeners these tests added, and only those
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.off(signal, listener);
    }
  }
});

describe("Interrupts.stopped", () => {
  it("is undefined and reports nothing when nothing interrupted the sync", async () => {
    const told: string[] = [];
    expect(await interrupts().stopped((reason) => told.push(reason))).toBeUndefined();
    expect(told).toEqual([]);
  });

  it("a reader that went away: 141, aborted, and nobody is told", async () => {
    const i = interrupts();
    const told: string[] = [];
    i.stdoutClosed();
    expect(i.signal.aborted).toBe(true);
    expect(await i.stopped((reason) => told.push(reason))).toBe(141);
    expect(told).toEqual([]);
  });

  it("a signal: 128 + its number, and the reason is reported (awaited) before the code is returned", async () => {
    const i = interrupts();
    const told: string[] = [];
    process.emit("SIGTERM", "SIGTERM");
    const code = await i.stopped(async (reason) => {
      await Promise.resolve();
      told.push(reason);
    });
    expect(code).toBe(143);
    expect(told).toEqual(["stopped by SIGTERM"]);
  });

  it("the first cause wins: stdout closing after a signal keeps the signal's code", async () => {
    const i = interrupts();
    process.emit("SIGINT", "SIGINT");
    i.stdoutClosed();
    expect(await i.stopped(() => undefined)).toBe(130);
  });
});
