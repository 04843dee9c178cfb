import type { HttpClient, Query } from "../http/client.js";
import { HttpError } from "../http/http-error.js";
import type { Envelope } from "../streams.js";

export type Row = Record<string, unknown>;

export interface PageRequest {
  path: string;
  query: Query;
  envelope: Envelope;
  paginated: boolean;
  pageSize: number;
  /** first page to fetch (a resumed full-table sync starts past the pages it already emitted) */
  startPage?: number;
  /** dotted path of a total row count in the body */
  totalFrom?: string | undefined;
}

export interface Page {
  /** the page number just read; `page + 1` is where a resumed sync goes on */
  page: number;
  rows: Row[];
  /** rows of the response that the previous page already held (the list shifted under us) */
  shifted: number;
  /** the total row count the API reported, if it reports one */
  total?: number;
}

/**
 * page/per_page pagination for every list endpoint. The API sends no page metadata, so a page ends the list
 * when it is empty or short, or when it repeats the previous page's ids (an endpoint that ignores `page`).
 * Rows inserted ahead of the cursor push rows of page n onto page n+1; those repeats are dropped here, so the
 * caller sees each row once while only the previous page's ids are kept in memory.
 */
export async function* paginate(
  http: HttpClient,
  req: PageRequest,
  signal?: AbortSignal,
): AsyncGenerator<Page> {
  if (!req.paginated) {
    const body = await http.getJson(req.path, req.query, signal);
    yield {
      page: 1,
      rows: rowsOf(body, req, http.endpointOf(req.path, req.query)),
      shifted: 0,
      ...totalOf(body, req),
    };
    return;
  }
  let previousIds: Set<unknown> | undefined;
  for (let page = req.startPage ?? 1; ; page++) {
    const query: Query = [...req.query, ["page", String(page)], ["per_page", String(req.pageSize)]];
    const body = await http.getJson(req.path, query, signal);
    const rows = rowsOf(body, req, http.endpointOf(req.path, query));
    if (rows.length === 0) return;
    const ids = new Set(rows.map(rowKey));
    const fresh = previousIds ? rows.filter((r) => !previousIds!.has(rowKey(r))) : rows;
    if (fresh.length === 0) return;
    yield { page, rows: fresh, shifted: rows.length - fresh.length, ...totalOf(body, req) };
    if (rows.length < req.pageSize) return;
    previousIds = ids;
  }
}

/** Rows are compared by id; the few without one (grouped payouts) by their whole content. */
function rowKey(row: Row): unknown {
  return row.id ?? JSON.stringify(row);
}

function totalOf(body: unknown, req: PageRequest): { total?: number } {
  if (!req.totalFrom) return {};
  let value: unknown = body;
  for (const key of req.totalFrom.split(".")) value = (value as Row | null | undefined)?.[key];
  return typeof value === "number" && Number.isFinite(value) ? { total: value } : {};
}

/** Fail loud when the envelope is not the documented one: a changed shape must not look like zero rows. */
function rowsOf(body: unknown, req: PageRequest, endpoint: string): Row[] {
  switch (req.envelope) {
    case "array":
      if (Array.isArray(body)) return body as Row[];
      break;
    case "data": {
      // /promoters was a bare array before 2025-07; rows are rows either way
      if (Array.isArray(body)) return body as Row[];
      const data = (body as { data?: unknown } | null)?.data;
      if (Array.isArray(data)) return data as Row[];
      break;
    }
    case "object":
    case "snapshot":
      if (isObject(body)) return [body];
      break;
  }
  throw new HttpError(
    "bad_envelope",
    endpoint,
    `unexpected response shape: expected ${expectation(req.envelope)}, got ${shapeOf(body)}`,
  );
}

function isObject(value: unknown): value is Row {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function expectation(envelope: Envelope): string {
  return envelope === "array"
    ? "a JSON array"
    : envelope === "data"
      ? 'an object with a "data" array'
      : "an object";
}

function shapeOf(body: unknown): string {
  if (Array.isArray(body)) return "an array";
  if (isObject(body)) return `an object with keys ${Object.keys(body).slice(0, 5).join(", ") || "(none)"}`;
  return body === null ? "null" : typeof body;
}
