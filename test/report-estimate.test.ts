import { describe, expect, it } from "vitest";
import { periodsIn, ReportEstimate, reportWindows } from "../src/engine/report-windows.js";

describe("report row estimates", () => {
  it("counts the periods of a window", () => {
    expect(periodsIn({ start: "2026-02-01", end: "2026-02-28" }, "day")).toBe(28);
    expect(periodsIn({ start: "2026-03-01", end: "2026-03-31" }, "day")).toBe(31); // across a DST change
    expect(periodsIn({ start: "2026-10-01", end: "2026-10-03" }, "day")).toBe(3);
    expect(periodsIn({ start: "2025-01-01", end: "2025-12-31" }, "month")).toBe(12);
    expect(periodsIn({ start: "2026-01-01", end: "2026-04-15" }, "month")).toBe(4);
  });

  it("an account-wide report: one row per period, known before any request", () => {
    const windows = reportWindows(new Date("2025-11-20T00:00:00Z"), new Date("2026-01-05T12:00:00Z"), "day");
    const estimate = new ReportEstimate(windows, "day", false);
    // November from the 1st (calendar-aligned), December, January 1..5
    expect(estimate.initial()).toBe(30 + 31 + 5);
    expect(estimate.windowDone(0, 30)).toBeUndefined();
  });

  it("an entity report: extrapolated from the windows read, exact after the last", () => {
    const windows = reportWindows(new Date("2026-01-01T00:00:00Z"), new Date("2026-03-31T00:00:00Z"), "day");
    const estimate = new ReportEstimate(windows, "day", true);
    expect(estimate.initial()).toBeUndefined();
    // 62 rows in January's 31 days: 2 a day, for 90 days
    expect(estimate.windowDone(0, 62)).toBe(180);
    expect(estimate.windowDone(1, 0)).toBe(62 + Math.round((62 / 59) * 31));
    expect(estimate.windowDone(2, 10)).toBe(72);
  });
});
