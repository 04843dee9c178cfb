import { describe, expect, it } from "vitest";
import { FaultPlan, parseFaultSpec } from "../sandbox/src/faults.js";

describe("sandbox faults", () => {
  it("fires on every Nth matching request with `every`, without a count limit", () => {
    const plan = new FaultPlan([parseFaultSpec("429-seconds:*::every=3")]);
    const fired = Array.from({ length: 9 }, () => plan.take("/api/v2/company/referrals") ?? "-");
    expect(fired).toEqual(["-", "-", "429-seconds", "-", "-", "429-seconds", "-", "-", "429-seconds"]);
    const unlimited = new FaultPlan([{ kind: "500", every: 2 }]);
    for (let i = 0; i < 100; i++) unlimited.take("/x");
    expect(unlimited.fired).toBe(50);
  });

  it("serves a rule's own Retry-After on one path only", () => {
    const rule = parseFaultSpec("429:*:company/referrals:retry_after=86400");
    expect(rule).toMatchObject({ kind: "429", path: "company/referrals", retryAfter: "86400" });
    const plan = new FaultPlan([rule]);
    expect(plan.takeRule("/api/v2/company/promoters")).toBeUndefined();
    expect(plan.takeRule("/api/v2/company/referrals")?.retryAfter).toBe("86400");
  });

  it("rejects an unknown option", () => {
    expect(() => parseFaultSpec("429:1::every=0")).toThrow(/bad fault option/);
    expect(() => parseFaultSpec("429:1::colour=red")).toThrow(/bad fault option/);
  });
});
