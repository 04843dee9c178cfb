import { isoDay } from "../dates.js";

export interface ReportWindow {
  start: string;
  end: string;
}

/**
 * Calendar-aligned windows: months for daily periods, years for monthly ones, so every period falls in
 * exactly one window whichever day a sync starts, and re-reading a window replaces the same rows.
 */
export function reportWindows(from: Date, until: Date, groupBy: "day" | "month"): ReportWindow[] {
  const windows: ReportWindow[] = [];
  let cursor =
    groupBy === "day"
      ? new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1))
      : new Date(Date.UTC(from.getUTCFullYear(), 0, 1));
  while (cursor.getTime() <= until.getTime()) {
    const next =
      groupBy === "day"
        ? new Date(Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() + 1, 1))
        : new Date(Date.UTC(cursor.getUTCFullYear() + 1, 0, 1));
    const last = new Date(Math.min(next.getTime() - 1, until.getTime()));
    windows.push({ start: isoDay(cursor), end: isoDay(last) });
    cursor = next;
  }
  return windows;
}
