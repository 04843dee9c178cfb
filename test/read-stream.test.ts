import { describe, expect, it } from "vitest";
import type { Row } from "../src/engine/paginator.js";
import { type Handler, pagedList, runStream } from "./helpers/engine.js";

/**
 * src/engine/read-stream.ts in process: which requests each read strategy makes (full table, dated list,
 * report, snapshot), which rows it emits and which checkpoints it writes, against a fake API without HTTP.
 */

const rows = (n: number, day = (i: number) => `2025-03-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`) =>
  Array.from({ length: n }, (_, i): Row => ({ id: i + 1, name: `row ${i + 1}`, created_at: day(i) }));

/** The handler, and every query it was asked, as `path?query` strings. */
function recording(handler: Handler): { handler: Handler; asked: URLSearchParams[]; paths: string[] } {
  const asked: URLSearchParams[] = [];
  const paths: string[] = [];
  return {
    asked,
    paths,
    handler: (path, q) => {
      paths.push(path);
      asked.push(new URLSearchParams(q));
      return handler(path, q);
    },
  };
}

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

  it("a sorted stream whose rows go backwards keeps its bookmark until the end", async () => {
    const data = rows(4, (i) => ["2025-03-02", "2025-03-04", "2025-03-01", "2025-03-03"][i]! + "T00:00:00Z");
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

describe("readStream: report", () => {
  it("asks one calendar window at a time and flattens periods into rows keyed by window", async () => {
    const api = recording((_path, q) =>
      q.get("page") === "1"
        ? [{ id: `p-${q.get("start_date")!.slice(0, 7)}`, period: "x", data: { clicks: 1 } }]
        : [],
    );
    const run = await runStream({
      stream: "reports_overview",
      handler: api.handler,
      config: { start_date: "2025-01-15" },
      signpost: new Date("2025-03-10T00:00:00Z"),
    });
    const windows = api.asked
      .filter((q) => q.get("page") === "1")
      .map((q) => [q.get("start_date"), q.get("end_date")]);
    expect(windows).toEqual([
      ["2025-01-01T00:00:00Z", "2025-01-31T23:59:59Z"],
      ["2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z"],
      ["2025-03-01T00:00:00Z", "2025-03-10T23:59:59Z"],
    ]);
    expect(run.rows.map((r) => [r.window_start, r.entity_id, r.id])).toEqual([
      ["2025-01-01", "account", "p-2025-01"],
      ["2025-02-01", "account", "p-2025-02"],
      ["2025-03-01", "account", "p-2025-03"],
    ]);
    expect(run.last).toEqual({ replication_key: "window_start", replication_key_value: "2025-03-01" });
  });

  it("an entity report has one row per sub_data period, with the entity's id and data", async () => {
    const run = await runStream({
      stream: "reports_campaigns",
      handler: (_path, q) =>
        q.get("page") === "1" && q.get("start_date")!.startsWith("2025-03")
          ? [
              {
                id: 7,
                campaign: { id: 7, name: "Launch" },
                data: { clicks: 3 },
                sub_data: [
                  { id: "2025-03-01", period: "2025-03-01", data: { clicks: 1 } },
                  { id: "2025-03-02", period: "2025-03-02", data: { clicks: 2 } },
                ],
              },
            ]
          : [],
      config: { start_date: "2025-03-01" },
      signpost: new Date("2025-03-05T00:00:00Z"),
    });
    expect(run.rows.map((r) => [r.entity_id, r.id, (r.data as Row).clicks])).toEqual([
      [7, "2025-03-01", 1],
      [7, "2025-03-02", 2],
    ]);
    expect(run.rows[0]!.campaign).toEqual({ id: 7, name: "Launch" });
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
