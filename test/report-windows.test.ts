import { describe, expect, it } from "vitest";
import { reportWindows } from "../src/engine/report-windows.js";

/** src/engine/report-windows.ts: calendar-aligned windows, whichever day a sync starts or ends. */
describe("reportWindows", () => {
  it("daily periods: calendar months from the month of `from`, the last one ending at `until`", () => {
    expect(reportWindows(new Date("2024-01-15T08:00:00Z"), new Date("2024-03-10T12:00:00Z"), "day")).toEqual([
      { start: "2024-01-01", end: "2024-01-31" },
      { start: "2024-02-01", end: "2024-02-29" },
      { start: "2024-03-01", end: "2024-03-10" },
    ]);
  });

  it("monthly periods: calendar years", () => {
    expect(
      reportWindows(new Date("2023-06-01T00:00:00Z"), new Date("2025-02-03T00:00:00Z"), "month"),
    ).toEqual([
      { start: "2023-01-01", end: "2023-12-31" },
      { start: "2024-01-01", end: "2024-12-31" },
      { start: "2025-01-01", end: "2025-02-03" },
    ]);
  });

  it("the same windows whichever day in the month a sync starts (re-reads replace the same rows)", () => {
    const until = new Date("2024-05-20T00:00:00Z");
    const a = reportWindows(new Date("2024-02-01T00:00:00Z"), until, "day");
    const b = reportWindows(new Date("2024-02-27T23:59:59Z"), until, "day");
    expect(b).toEqual(a);
  });

  it("windows are contiguous and do not overlap", () => {
    const windows = reportWindows(new Date("2020-11-30T00:00:00Z"), new Date("2022-02-01T00:00:00Z"), "day");
    expect(windows).toHaveLength(16);
    for (let i = 1; i < windows.length; i++) {
      const dayAfter = new Date(`${windows[i - 1]!.end}T00:00:00Z`);
      dayAfter.setUTCDate(dayAfter.getUTCDate() + 1);
      expect(windows[i]!.start).toBe(dayAfter.toISOString().slice(0, 10));
    }
  });

  it("one window when `from` and `until` share a month; none when `from` is in a later month", () => {
    const day = new Date("2024-07-04T00:00:00Z");
    expect(reportWindows(day, day, "day")).toEqual([{ start: "2024-07-01", end: "2024-07-04" }]);
    expect(reportWindows(new Date("2024-08-01T00:00:00Z"), day, "day")).toEqual([]);
  });
});
