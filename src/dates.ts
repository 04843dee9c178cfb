const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a Date in UTC (the API's date filters take days). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Strict ISO 8601 (RFC 3339 profile): `YYYY-MM-DD`, optionally `THH:MM[:SS[.fff]]` and `Z` or `±HH[:MM]`
 * (no offset = UTC). Every field is range-checked, so `Date.parse`'s leniency ("1", "Tue 5", "+275760-…",
 * 2026-02-30) is refused. Epoch milliseconds, or undefined.
 */
export function parseIso(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", sec = "0", frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const dayOfMonth = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || dayOfMonth < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(year, month - 1, dayOfMonth, hour, minute, second));
  if (date.getUTCDate() !== dayOfMonth || year < 1000) return undefined;
  let t = date.getTime() + (frac ? Math.floor(Number(frac) * 1000) : 0);
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 23 || om > 59) return undefined;
    t -= sign * (oh * 60 + om) * 60_000;
  }
  return t;
}

/** Parses an API or state timestamp; undefined for null, missing or unreadable values. */
export function toTime(value: unknown): number | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  return parseIso(value);
}

/** The later of two ISO strings by time (either may be missing). */
export function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (toTime(b) ?? 0) > (toTime(a) ?? 0) ? b : a;
}
