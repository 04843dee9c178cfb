import type { Row } from "./model.js";

/**
 * The list semantics of the real API, generically: `filters[field]=v` equality, `filters[field][from|to]`
 * inclusive date ranges, `ids[]`, `sorting[field]=asc|desc`. Unknown parameters are ignored, as Rails does.
 */
export interface ListQuery {
  equals: Array<[string, string]>;
  ranges: Array<{ field: string; from?: string; to?: string }>;
  ids: Set<string> | undefined;
  sort: { field: string; desc: boolean } | undefined;
}

export function parseListQuery(params: URLSearchParams): ListQuery {
  const equals: Array<[string, string]> = [];
  const ranges = new Map<string, { field: string; from?: string; to?: string }>();
  let ids: Set<string> | undefined;
  let sort: ListQuery["sort"];
  for (const [key, value] of params) {
    let m = /^filters\[([^\]]+)\]\[(from|to)\]$/.exec(key);
    if (m) {
      const range = ranges.get(m[1]!) ?? { field: m[1]! };
      range[m[2] as "from" | "to"] = value;
      ranges.set(m[1]!, range);
      continue;
    }
    m = /^filters\[([^\]]+)\](\[\])?$/.exec(key);
    if (m) {
      equals.push([m[1]!, value]);
      continue;
    }
    if (key === "ids[]" || key === "ids") {
      ids ??= new Set();
      for (const id of value.split(",")) ids.add(id);
      continue;
    }
    m = /^sorting\[([^\]]+)\]$/.exec(key);
    if (m) sort = { field: m[1]!, desc: value === "desc" };
  }
  return { equals, ranges: [...ranges.values()], ids, sort };
}

/** A stable key for caching the filtered, sorted view of one list. */
export function viewKey(resource: string, q: ListQuery, defaultDesc: boolean): string {
  return JSON.stringify([resource, q.equals, q.ranges, q.ids ? [...q.ids] : null, q.sort, defaultDesc]);
}

export function applyListQuery(rows: Row[], q: ListQuery, defaultDesc: boolean): Row[] {
  let out = rows.filter((row) => {
    for (const [field, value] of q.equals) {
      if (field in row && String(row[field]) !== value) return false;
    }
    for (const r of q.ranges) {
      const v = row[r.field];
      if (typeof v !== "string") return false;
      if (r.from && compareDate(v, r.from) < 0) return false;
      if (r.to && compareDate(v, r.to) > 0) return false;
    }
    return !q.ids || q.ids.has(String(row.id));
  });
  if (q.sort) {
    const { field, desc } = q.sort;
    out = out.sort((a, b) => {
      const c = compareValues(a[field], b[field]) || compareValues(a.id, b.id);
      return desc ? -c : c;
    });
  } else if (defaultDesc) {
    out = out.reverse();
  }
  return out;
}

/** Dates compare by day when the filter is a bare date (inclusive on both ends), else by instant. */
function compareDate(value: string, bound: string): number {
  if (bound.length === 10) return value.slice(0, 10).localeCompare(bound);
  return Date.parse(value) - Date.parse(bound);
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T/;

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  // timestamps sort by instant, as a database does: "…:35Z" is after "…:35.125Z", though "." < "Z"
  if (typeof a === "string" && typeof b === "string" && TIMESTAMP.test(a) && TIMESTAMP.test(b)) {
    const c = Date.parse(a) - Date.parse(b);
    if (c !== 0 || a.length === b.length) return c;
  }
  return String(a) < String(b) ? -1 : 1;
}
