/**
 * Small helpers over parsed JSON, in one place: the engine, the protocols and the config each used their own
 * copy of the object test and of the dotted-path walk.
 */

/** A JSON object: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `"meta.promoters_count"` → `["meta", "promoters_count"]`; split once, walked per row. */
export function pathOf(dotted: string): string[] {
  return dotted.split(".");
}

/** The value at `path` inside `value`, or undefined where any step is missing, null or not an object. */
export function dig(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (!isPlainObject(at)) return undefined;
    at = at[key];
  }
  return at;
}
