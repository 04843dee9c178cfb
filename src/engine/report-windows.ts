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

/** The periods a window holds (days for daily reports, months for monthly ones): its rows per entity. */
export function periodsIn(window: ReportWindow, groupBy: "day" | "month"): number {
  const start = new Date(`${window.start}T00:00:00Z`);
  const end = new Date(`${window.end}T00:00:00Z`);
  if (groupBy === "day") return Math.round((end.getTime() - start.getTime()) / 86_400_000) + 1;
  return (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth() + 1;
}

/**
 * A report's row estimate, for the platform's progress (Airbyte TRACE ESTIMATE). An account-wide report has
 * one row per period, so its size is known before the first request. An entity report has one row per
 * entity and period (or window), and the entity count is only known once windows are read: it is
 * extrapolated from the rows per period of the windows read so far, and refined after every window.
 */
export class ReportEstimate {
  private readonly periods: number[];
  private readonly totalPeriods: number;
  private periodsDone = 0;
  private rowsDone = 0;

  constructor(
    windows: ReportWindow[],
    groupBy: "day" | "month",
    private readonly perEntity: boolean,
  ) {
    this.periods = windows.map((w) => periodsIn(w, groupBy));
    this.totalPeriods = this.periods.reduce((a, b) => a + b, 0);
  }

  /** Known before any request: account-wide reports only. */
  initial(): number | undefined {
    return this.perEntity ? undefined : this.totalPeriods;
  }

  /** After window `index` ended with `rows` rows: the rows read plus the rest at the same rate. */
  windowDone(index: number, rows: number): number | undefined {
    this.rowsDone += rows;
    this.periodsDone += this.periods[index] ?? 0;
    if (!this.perEntity || this.periodsDone === 0) return undefined;
    const rest = this.totalPeriods - this.periodsDone;
    return this.rowsDone + Math.round((this.rowsDone / this.periodsDone) * rest);
  }
}
