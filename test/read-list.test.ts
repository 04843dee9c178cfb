import { describe, expect, it } from "vitest";
import { pagedList, recording, rows, runStream } from "./helpers/engine.js";

/**
 * src/engine/read/list.ts in process: a whole list (full table, snapshot), its requests, rows and checkpoints,
 * against a fake API without HTTP.
 */

describe("readStream: full table", () => {
  it("reads every page and checkpoints the next page after each, then an empty state", async () => {
    const data = rows(5);
    const api = recording(pagedList(() => data));
    const run = await runStream({
      stream: "campaigns",
      method: "FULL_TABLE",
      handler: api.handler,
      config: { page_size: 2 },
    });
    expect(run.rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(api.asked.map((q) => q.get("page"))).toEqual(["1", "2", "3"]);
    expect(api.asked.every((q) => q.get("per_page") === "2")).toBe(true);
    expect(run.states).toEqual([
      { offset: { page: 2, page_size: 2 } },
      { offset: { page: 3, page_size: 2 } },
      { offset: { page: 4, page_size: 2 } },
      {},
    ]);
  });

  it("resumes at the saved page when the page size is the same", async () => {
    const data = rows(5);
    const api = recording(pagedList(() => data));
    const run = await runStream({
      stream: "campaigns",
      method: "FULL_TABLE",
      handler: api.handler,
      config: { page_size: 2 },
      state: { offset: { page: 3, page_size: 2 } },
    });
    expect(api.asked.map((q) => q.get("page"))).toEqual(["3"]);
    expect(run.rows.map((r) => r.id)).toEqual([5]);
    expect(run.last).toEqual({});
  });

  it("starts over when the saved page was taken with another page size", async () => {
    const data = rows(3);
    const api = recording(pagedList(() => data));
    const run = await runStream({
      stream: "campaigns",
      method: "FULL_TABLE",
      handler: api.handler,
      config: { page_size: 2 },
      state: { offset: { page: 3, page_size: 50 } },
    });
    expect(api.asked[0]!.get("page")).toBe("1");
    expect(run.rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(
      run.lines.some((l) => /saved position was taken with another page size; starting over/.test(l)),
    ).toBe(true);
  });
});

describe("readStream: snapshot", () => {
  it("one unpaginated request; the row is stamped with the sync's start", async () => {
    const api = recording(() => ({ total: 12 }));
    const signpost = new Date("2025-03-05T06:07:08Z");
    const run = await runStream({
      stream: "payouts_due_stats",
      method: "FULL_TABLE",
      handler: api.handler,
      signpost,
    });
    expect(api.paths).toHaveLength(1);
    expect(run.rows).toHaveLength(1);
    expect(run.rows[0]!.snapshot_at).toBe("2025-03-05T06:07:08.000Z");
    expect(run.last).toEqual({});
  });
});
