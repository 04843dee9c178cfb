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
  // every record's cursor fields pass here: the API's own form skips the regex and its nine captures
  const fast = parseApiForm(text);
  return fast === null ? parseIsoByPattern(text) : fast;
}

/** `parseIso` by its regex, whatever the form (exported for the tests that hold both paths to one answer). */
export function parseIsoByPattern(text: string): number | undefined {
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

/**
 * `YYYY-MM-DDTHH:MM:SS[.f…]` then `Z`, `±HH:MM` or nothing, read by char code with the checks of the regex
 * path (which the tests compare it with); null for anything else, left to the regex.
 */
function parseApiForm(text: string): number | undefined | null {
  const n = text.length;
  if (
    n < 19 ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58
  )
    return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const dayOfMonth = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 0 || dayOfMonth < 0 || hour < 0 || minute < 0 || second < 0) return null;
  let i = 19;
  let fracEnd = i;
  if (i < n && text.charCodeAt(i) === 46 /* . */) {
    for (fracEnd = i + 1; fracEnd < n && isDigit(text.charCodeAt(fracEnd)); fracEnd++);
    if (fracEnd === i + 1 || fracEnd - i - 1 > 9) return null;
  }
  i = fracEnd;
  let offsetMinutes = 0;
  if (i === n - 1 && text.charCodeAt(i) === 90 /* Z */) i = n;
  else if (i === n - 6 && text.charCodeAt(i + 3) === 58) {
    const sign = text.charCodeAt(i);
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if ((sign !== 43 && sign !== 45) || oh < 0 || om < 0) return null;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (sign === 45 ? -1 : 1) * (oh * 60 + om);
    i = n;
  }
  if (i !== n) return null;
  if (month < 1 || month > 12 || dayOfMonth < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (dayOfMonth > daysInMonth(year, month) || year < 1000) return undefined;
  const frac = fracEnd > 19 ? Math.floor(Number(text.slice(19, fracEnd)) * 1000) : 0;
  const seconds = ((daysFromEpoch(year, month, dayOfMonth) * 24 + hour) * 60 + minute) * 60 + second;
  return seconds * 1000 + frac - offsetMinutes * 60_000;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil), no Date object. */
function daysFromEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The number written by `count` ASCII digits at `at`, or -1. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
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
