const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a Date in UTC (the API's date filters take days). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** Parses an API or state timestamp; undefined for null, missing or unreadable values. */
export function toTime(value: unknown): number | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const t = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(t) ? undefined : t;
}

/** The later of two ISO strings by time (either may be missing). */
export function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (toTime(b) ?? 0) > (toTime(a) ?? 0) ? b : a;
}
