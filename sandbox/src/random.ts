/** Seeded randomness, hashing and time formatting for the sandbox data (no Math.random, no clock). */

export const SECOND = 1000;
export const DAY = 86_400_000;

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX = "0123456789abcdef";

/** mulberry32: tiny, fast and good enough for fake data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** picks a value from [value, weight] pairs */
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (let i = 0; i < pairs.length; i++) total += pairs[i]![1];
    let x = this.next() * total;
    for (let i = 0; i < pairs.length; i++) {
      x -= pairs[i]![1];
      if (x < 0) return pairs[i]![0];
    }
    return pairs[pairs.length - 1]![0];
  }

  /** `prefix` + `len` random characters of `alphabet`, as one flat string (see `flat`) */
  chars(len: number, alphabet: string, prefix = ""): string {
    const codes = new Array<number>(prefix.length + len);
    for (let i = 0; i < prefix.length; i++) codes[i] = prefix.charCodeAt(i);
    for (let i = prefix.length; i < codes.length; i++)
      codes[i] = alphabet.charCodeAt(this.int(alphabet.length));
    return String.fromCharCode.apply(null, codes);
  }

  alnum(len: number, prefix = ""): string {
    return this.chars(len, ALNUM, prefix);
  }

  hex(len: number): string {
    return this.chars(len, HEX);
  }

  uuid(): string {
    const h = this.hex(32);
    return flat(
      h.slice(0, 8),
      "-",
      h.slice(8, 12),
      "-4",
      h.slice(13, 16),
      "-a",
      h.slice(17, 20),
      "-",
      h.slice(20),
    );
  }

  /** The API mixes `…:42Z` and `…:42.289Z`; about a third of values carry millis. */
  ts(ms: number): string {
    return iso(ms, this.chance(0.35));
  }
}

/** Stateless 32-bit hash (murmur3 finaliser) for values derived from ids, so they need no storage. */
export function hash32(n: number): number {
  let h = Math.imul(n ^ 0x5bd1e995, 0xcc9e2d51);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Joins parts into one flat string. `a + b` and template literals build V8 rope (cons) strings, which cost several
 * times the memory of the text; hundreds of thousands of rows keep them alive, so row strings are built flat.
 */
export function flat(...parts: unknown[]): string {
  return parts.join("");
}

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const dayPrefix = new Map<number, string>();

/** `YYYY-MM-DDTHH:MM:SSZ`, or with `.mmm` millis, as a flat string (the date part is cached per day) */
export function iso(ms: number, millis: boolean): string {
  const t = Math.floor(ms);
  const day = Math.floor(t / DAY);
  let rem = t - day * DAY;
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    dayPrefix.set(day, prefix);
  }
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const m = Math.floor(rem / 60_000);
  rem -= m * 60_000;
  const s = Math.floor(rem / 1000);
  return millis
    ? [prefix, TWO[h], ":", TWO[m], ":", TWO[s], ".", THREE[rem - s * 1000], "Z"].join("")
    : [prefix, TWO[h], ":", TWO[m], ":", TWO[s], "Z"].join("");
}

export function dateOnly(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 00:00:00Z of a bare `YYYY-MM-DD` day, in epoch ms. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function parseTs(value: unknown): number {
  return typeof value === "string" ? Date.parse(value) : Number.NaN;
}

/** 00:00:00Z of the first day of the month `offset` months after the month of `ms` */
export function monthStart(ms: number, offset = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
}

export const FIRST_NAMES: readonly string[] =
  "Olivia Liam Emma Noah Ava Elijah Sophia Lucas Mia Mateo Isabella Levi Amelia Ethan Harper James Evelyn Aiden Luna Leo Camila Kai Sofia Jack Aria Henry Chloe Owen Zoe Daniel Nora Samuel Hannah Julian Priya Arjun Yuki Kenji Fatima Omar Ingrid Lars Chiara Marco Lea Jonas Ana Diego Chen Mei Tomasz Zofia Amara Kwame Nadia Elena Hugo Clara Ravi Quinn".split(
    " ",
  );

export const LAST_NAMES: readonly string[] =
  "Smith Johnson Williams Brown Garcia Miller Davis Rodriguez Martinez Lopez Wilson Anderson Thomas Taylor Moore Martin Lee Thompson White Harris Clark Lewis Walker Hall Young King Wright Scott Green Baker Nguyen Patel Kim Schmidt Müller Rossi Dubois Nowak Silva Santos Tanaka Sato Okafor Mensah Larsen Jensen Novak Kowalski Fischer Ramirez O'Brien Murphy".split(
    " ",
  );

/** lowercase ASCII slug of a name, for emails, tokens and urls */
export function slug(s: string): string {
  return s
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]/g, "")
    .toLowerCase();
}
