import { describe, expect, it } from "vitest";
import type { Row } from "../src/engine/paginator.js";
import { runStream } from "./helpers/engine.js";

describe("loop guard (issue 14)", () => {
  it("stops with a clear error when an endpoint ignores page and rotates a window", async () => {
    const data: Row[] = Array.from({ length: 30 }, (_, i) => ({ id: i + 1 }));
    let calls = 0;
    const handler = () => {
      const start = (calls++ * 5) % 30; // ignores page: a window that moves by half a page each call
      return [...data, ...data].slice(start, start + 10);
    };
    const error = await runStream({
      stream: "promo_codes",
      method: "FULL_TABLE",
      handler,
      config: { page_size: 10 },
    })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/only rows already read.*not paginating/);
    expect(calls).toBeLessThan(20);
  });

  it("stops when the page count passes what the reported total allows", async () => {
    let next = 0;
    const handler = () => ({
      data: Array.from({ length: 10 }, () => ({ id: ++next, promoter: { id: next } })),
      meta: { promoters_count: 20 },
    });
    const error = await runStream({
      stream: "payouts_grouped_by_promoter",
      method: "FULL_TABLE",
      handler,
      config: { page_size: 10 },
    })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/past what the reported total of 20 rows allows/);
  });
});
