import { describe, expect, it } from "vitest";
import type { Row } from "../src/engine/paginator.js";
import { pagedList, recording, rows, runStream } from "./helpers/engine.js";

/**
 * src/engine/read/dated-list.ts in process: the requests, rows and checkpoints of a dated list by cursor
 * (sorted, unsorted multi-pass), against a fake API without HTTP.
 */

describe("readStream: dated list", () => {
  it("a sorted stream's bookmark advances page by page to the newest cursor", async () => {
    const data = rows(4, (i) => `2025-03-0${i + 1}T10:00:00Z`);
    const run = await runStream({
      stream: "commissions",
      handler: pagedList(() => data),
      config: { page_size: 2 },
      signpost: new Date("2025-04-01T00:00:00Z"),
    });
    expect(run.rows).toHaveLength(4);
    expect(run.states.map((s) => s.replication_key_value)).toEqual([
      "2025-03-02T10:00:00Z",
      "2025-03-04T10:00:00Z",
      "2025-03-04T10:00:00Z",
    ]);
    expect(run.last).toEqual({
      replication_key: "created_at",
      replication_key_value: "2025-03-04T10:00:00Z",
    });
  });

  it("filters from the bookmark minus the lookback window", async () => {
    const api = recording(pagedList(() => []));
    await runStream({
      stream: "commissions",
      handler: api.handler,
      config: { lookback_days: 3 },
      state: { replication_key: "created_at", replication_key_value: "2025-03-10T12:00:00Z" },
      signpost: new Date("2025-04-01T00:00:00Z"),
    });
    expect(api.asked[0]!.get("filters[created_at][from]")).toBe("2025-03-07");
  });

  it("caps a bookmark after the sync's start at the start, and says so", async () => {
    const api = recording(pagedList(() => []));
    const run = await runStream({
      stream: "commissions",
      handler: api.handler,
      config: { lookback_days: 0 },
      state: { replication_key: "created_at", replication_key_value: "2030-01-01T00:00:00Z" },
      signpost: new Date("2025-04-01T00:00:00Z"),
    });
    expect(api.asked[0]!.get("filters[created_at][from]")).toBe("2025-04-01");
    expect(run.lines.some((l) => /bookmark 2030-01-01T00:00:00Z is after the sync's start/.test(l))).toBe(
      true,
    );
    expect(run.last.replication_key_value).toBe("2025-04-01T00:00:00.000Z");
  });

  it("an unsorted stream with a bookmark reads one pass per date field, each row once", async () => {
    const data: Row[] = [
      {
        id: 1,
        created_at: "2025-03-05T00:00:00Z",
        customer_since: "2025-03-06T00:00:00Z",
        cancelled_at: null,
      },
      {
        id: 2,
        created_at: "2025-01-01T00:00:00Z",
        customer_since: "2025-03-07T00:00:00Z",
        cancelled_at: null,
      },
      {
        id: 3,
        created_at: "2025-01-01T00:00:00Z",
        customer_since: null,
        cancelled_at: "2025-03-08T00:00:00Z",
      },
    ];
    const api = recording(pagedList(() => data));
    const run = await runStream({
      stream: "referrals",
      handler: api.handler,
      config: { lookback_days: 0 },
      state: { replication_key: "created_at", replication_key_value: "2025-03-01T00:00:00Z" },
      signpost: new Date("2025-04-01T00:00:00Z"),
    });
    const filtered = api.asked.map((q) => [...q.keys()].find((k) => k.startsWith("filters[")));
    expect(filtered).toEqual([
      "filters[created_at][from]",
      "filters[customer_since][from]",
      "filters[cancelled_at][from]",
    ]);
    expect(run.rows.map((r) => r.id)).toEqual([1, 2, 3]);
    // the newest of any window field, not only the cursor
    expect(run.last).toEqual({
      replication_key: "created_at",
      replication_key_value: "2025-03-08T00:00:00Z",
    });
  });

  it("a list whose order changes between requests keeps the old bookmark to the end: the next sync reads it again", async () => {
    const data = rows(6, (i) => `2025-03-0${i + 1}T00:00:00Z`);
    // page 3 repeats row 1 (page 1's) instead of serving row 5: the server's order changed, row 5 was skipped
    const pages: Record<number, Row[]> = {
      1: data.slice(0, 2),
      2: data.slice(2, 4),
      3: [data[0]!, data[5]!],
      4: [],
    };
    const bookmark = "2025-02-01T00:00:00Z";
    const run = await runStream({
      stream: "commissions",
      handler: (_path, q) => pages[Number(q.get("page") ?? 1)] ?? [],
      config: { page_size: 2 },
      state: { replication_key: "created_at", replication_key_value: bookmark },
      signpost: new Date("2025-04-01T00:00:00Z"),
    });
    expect(run.rows.map((r) => r.id)).not.toContain(data[4]!.id);
    expect(run.last.replication_key_value, "not past the skipped row").toBe(bookmark);
    expect(run.states.at(-2)!.replication_key_value).toBe(bookmark);
    expect(run.lines.some((l) => /bookmark stays where it was/.test(l))).toBe(true);
  });

  it("a sorted stream whose rows go backwards keeps its bookmark until the end", async () => {
    const data = rows(4, (i) => `${["2025-03-02", "2025-03-04", "2025-03-01", "2025-03-03"][i]!}T00:00:00Z`);
    const run = await runStream({
      stream: "commissions",
      handler: pagedList(() => data),
      config: { page_size: 2 },
      state: { replication_key: "created_at", replication_key_value: "2025-02-01T00:00:00Z" },
      signpost: new Date("2025-04-01T00:00:00Z"),
    });
    expect(run.lines.some((l) => /not sorted by created_at/.test(l))).toBe(true);
    expect(run.states[1]!.replication_key_value).toBe("2025-02-01T00:00:00Z");
    expect(run.last.replication_key_value).toBe("2025-03-04T00:00:00Z");
  });
});
