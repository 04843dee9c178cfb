import { describe, expect, it } from "vitest";
import type { Row } from "../src/engine/paginator.js";
import { recording, runStream } from "./helpers/engine.js";

/**
 * src/engine/read/report.ts in process: calendar windows, flattened rows and window checkpoints, against a
 * fake API without HTTP.
 */

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

  it("reads windows side by side (each is a chain of pages) and still emits them in window order", async () => {
    // 4 months, each 2 full pages and a short third one, per_page 100
    const api = recording((_path, q) => {
      const page = Number(q.get("page"));
      const month = q.get("start_date")!.slice(0, 7);
      const size = page < 3 ? 100 : 1;
      return Array.from({ length: size }, (_, i) => ({ id: `${month}-${page}-${i}`, period: "x", data: {} }));
    });
    const run = await runStream({
      stream: "reports_overview",
      handler: api.handler,
      config: { start_date: "2025-01-01", page_size: 100 },
      signpost: new Date("2025-04-10T00:00:00Z"),
    });
    const asked = api.asked.map((q) => `${q.get("start_date")!.slice(0, 7)} p${q.get("page")}`);
    // the later windows' first pages are asked before the first window's second page, not after its end
    expect(asked.indexOf("2025-04 p1")).toBeLessThan(asked.indexOf("2025-01 p2"));
    // the same requests as one window after another: 3 pages per window, none more
    expect(asked).toHaveLength(12);
    const starts = run.rows.map((r) => r.window_start as string);
    expect(starts).toEqual([...starts].sort());
    expect(run.rows).toHaveLength(4 * 201);
    expect(run.states.map((s) => s.replication_key_value)).toEqual([
      "2025-01-01",
      "2025-02-01",
      "2025-03-01",
      "2025-04-01",
      "2025-04-01",
    ]);
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
