import { createHash } from "node:crypto";
import { dig, isPlainObject, pathOf } from "../core/objects.js";
import { type ChildController, childController } from "../http/child-signal.js";
import type { HttpClient, Query } from "../http/client.js";
import { classify, isStackOverflow } from "../http/error-policy.js";
import { HttpError } from "../http/http-error.js";
import type { Envelope } from "../streams/index.js";
import { Fifo } from "./fifo.js";
import type { Prefetch } from "./prefetch.js";

export type Row = Record<string, unknown>;

export interface PageRequest {
  path: string;
  query: Query;
  envelope: Envelope;
  paginated: boolean;
  pageSize: number;
  /** first page to fetch (a resumed full-table sync starts past the pages it already emitted) */
  startPage?: number;
  /** lets pages be requested ahead of the one being read, once a full page shows the list goes on */
  prefetch?: Prefetch | undefined;
  /** dotted path of a total row count in the body */
  totalFrom?: string | undefined;
  /**
   * A row's identity (the stream's primary key), for the repeats of a shifted list and the loop guard; rows
   * it names nothing for are compared by their whole content. The engine passes the table's; default `id`.
   */
  identity?: ((row: Row) => unknown) | undefined;
  /** told once per list when the server is seen to answer `size` rows a page where `pageSize` were asked */
  onServerPageSize?: ((size: number, asked: number, endpoint: string) => void) | undefined;
  /** what the lists of this endpoint showed so far, shared by them (a report's windows, a stream's parents) */
  pageSizeSeen?: PageSizeSeen | undefined;
}

/** Whether an endpoint was seen to honour `per_page`: then a short page of a default size needs no confirming. */
export interface PageSizeSeen {
  honoured: boolean;
}

export interface Page {
  /** the page number just read; `page + 1` is where a resumed sync goes on */
  page: number;
  rows: Row[];
  /** rows of the response that the previous page already held (the list shifted under us) */
  shifted: number;
  /**
   * why rows may have been skipped on the way to this page (said as "page N …"), when the server showed it:
   * rows of a page before the previous one repeated (rows inserted ahead push rows one page on, not two, so
   * its order changed between requests)
   */
  doubt?: string;
  /** the total row count the API reported, if it reports one */
  total?: number;
  /**
   * no page follows: this one ended the list (short or unpaginated). False on a short first page whose size is
   * one servers cap `per_page` to, until the page after it shows whether the list goes on.
   */
  last: boolean;
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
      last: true,
    };
    return;
  }
  // Pages are requested ahead of the one being read (results still used in page order) only as far as the
  // list is known to go on, because one past the end is a request wasted from the account's shared quota:
  // - with a total in the body (`totalFrom`), up to the last page it implies, never past it;
  // - without one, one page ahead per AHEAD_PER_FULL_PAGES full pages read so far, so the pages a list's
  //   end can leave unread stay within 1 / AHEAD_PER_FULL_PAGES of the pages it needed;
  // - a page that comes back short or empty ends the list: pages requested after it are cancelled at
  //   once, retries included, instead of when the reader gets there.
  // The shared Prefetch bounds them across the sync as well.
  const stop = new AbortController();
  const scope = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  // pages requested and not read yet, in page order: `page` up to `next - 1`
  const pending = new Fifo<{
    page: number;
    body: Promise<unknown>;
    ahead: boolean;
    cancel: ChildController;
  }>();
  // the first page known to be past the end (a short or empty answer was at `endAt - 1`)
  let endAt = Number.POSITIVE_INFINITY;
  // the reader is done with this list: nothing more is asked for
  let finished = false;
  // the page the reader waits for or processes
  let at = 0;
  // Rows in a full page: per_page, unless the server is seen to answer fewer and go on. A server that ignores
  // per_page (answers its default of 20) would otherwise end every list after its first page, silently. So a
  // short first page of a size such a server answers with (SERVER_PAGE_SIZES) is confirmed by the page after
  // it, unless a total says it is all: one request more for a list that happens to be that long, none for others.
  let fullSize = req.pageSize;
  let confirming = 0;
  const request = (page: number, ahead: boolean) => {
    const query: Query = [...req.query, ["page", String(page)], ["per_page", String(req.pageSize)]];
    const cancel = childController(scope);
    const body = http.getJson(req.path, query, cancel.signal);
    body.then(
      (b) => {
        cancel.release();
        const rows = rowCount(b, req);
        if (rows >= fullSize) {
          // A full page: the next one is needed whatever it holds (rows, or the empty page that shows the
          // end), so it is asked for now, while this one is processed, instead of after. Requests then go
          // out as fast as answers come back, not as fast as pages are processed.
          // (only for the page the reader is at: answers must not chain requests on their own)
          if (!finished && page === at && next === page + 1 && page + 1 < endAt) request(next++, false);
          return;
        }
        if (rows < 0 || page + 1 >= endAt) return;
        endAt = page + 1;
        for (const p of pending) if (p.page >= endAt) p.cancel.abort(new Error("past the end of the list"));
      },
      // awaited in turn; a page never reached must not be an unhandled rejection
      () => cancel.release(),
    );
    pending.push({ page, body, ahead, cancel });
  };
  const identity = req.identity ?? ((row: Row) => row.id);
  const rowKey = (row: Row) => identity(row) ?? contentKey(row);
  let previousIds: Set<unknown> | undefined;
  // the row keys of this list's recent pages (one pass of one stream): a page of nothing new is a loop. Only the
  // last LOOP_WINDOW pages are kept: every key of a 500k-row list grew the peak RSS by tens of MB, and a server
  // that ignores `page` repeats a window far shorter than that; longer loops hit the page-count limit.
  const recent: Array<Set<unknown>> = [];
  const seen = { has: (key: unknown) => recent.some((page) => page.has(key)) };
  let fullPages = 0;
  let lastPage = Number.POSITIVE_INFINITY;
  const first = req.startPage ?? 1;
  let next = first;
  // rows of a page repeated from the one before it: the list moved under us (rows inserted ahead)
  let shifting = false;
  // pages in a row that held nothing but the previous page's rows
  let repeats = 0;
  // a page beyond per_page: the server sizes pages itself, and pages ahead would hold that many rows each
  let oversize = false;
  const mayRequestAhead = (page: number) => {
    if (shifting || oversize || next >= endAt || next > lastPage) return false;
    const depth =
      lastPage < Number.POSITIVE_INFINITY ? lastPage : Math.floor(fullPages / AHEAD_PER_FULL_PAGES);
    return next - page - 1 < depth && req.prefetch!.tryTake(next - page - 1);
  };
  req.prefetch?.open();
  try {
    for (let page = next; ; page++) {
      at = page;
      if (next === page) request(next++, false);
      while (fullPages > 0 && req.prefetch && mayRequestAhead(page)) request(next++, true);
      const { body: pendingBody, ahead } = pending.shift()!;
      let body: unknown;
      try {
        body = await pendingBody;
      } finally {
        if (ahead) req.prefetch!.give();
      }
      const endpoint = http.endpointOf(req.path, [...req.query, ["page", String(page)]]);
      const rows = rowsOf(body, req, endpoint);
      if (rows.length === 0) {
        // a short first page confirmed as the list's end: this endpoint honours per_page
        if (confirming > 0 && req.pageSizeSeen) req.pageSizeSeen.honoured = true;
        return;
      }
      // each row's key once (a digest of its content where it has no id): the repeats, loop guard and
      // reorder check below all compare keys
      const keys = keysOf(rows, rowKey, endpoint);
      const ids = new Set(keys);
      let fresh = rows;
      let freshKeys = keys;
      if (previousIds) {
        fresh = [];
        freshKeys = [];
        for (let i = 0; i < rows.length; i++) {
          if (previousIds.has(keys[i])) continue;
          fresh.push(rows[i]!);
          freshKeys.push(keys[i]);
        }
      }
      if (fresh.length < rows.length && !shifting) {
        // Pages requested ahead may have been answered before this one, on the other side of the insert,
        // and would skip the rows it pushed down (a page read in order after its predecessor repeats
        // them instead, and repeats are dropped). So a list that moves is read in order from here on.
        // The page after this one, asked for once this one was answered, is in order already and stays.
        shifting = true;
        const inOrder = [...pending].filter((p) => !p.ahead);
        for (const p of pending) {
          if (!p.ahead) continue;
          p.cancel.abort(new Error("read again in order: the list shifted"));
          req.prefetch!.give();
          http.stats.unusedAhead++;
        }
        pending.clear();
        for (const p of inOrder) pending.push(p);
        next = page + 1 + inOrder.length;
      }
      if (fresh.length === 0) {
        // Every row repeats the previous page. The API answers an empty page past a list's end, so this is
        // not the end: it is an endpoint that ignores `page`, or a whole page of rows inserted ahead. The
        // next page tells which; a second such page in a row stops the stream, loudly, since a list cut
        // short and taken as complete would let a destination delete the rows never read.
        if (rows.length < fullSize) return;
        if (++repeats >= 2) {
          throw new HttpError(
            classify("bad_envelope"),
            endpoint,
            `pages ${page - 1} and ${page} repeat the rows of page ${page - 2}: the API is not paginating; stopped`,
          );
        }
        previousIds = ids;
        continue;
      }
      repeats = 0;
      // Loop guard: an endpoint that ignores `page` and rotates its rows would otherwise never end
      if (freshKeys.every((key) => seen.has(key))) {
        throw new HttpError(
          classify("bad_envelope"),
          endpoint,
          `page ${page} holds only rows already read in this list: the API is not paginating; stopped`,
        );
      }
      // the pages before the previous one (the last REORDER_WINDOW of them): a repeat from there is a reorder
      let reordered = 0;
      for (let i = Math.max(0, recent.length - 1 - REORDER_WINDOW); i < recent.length - 1; i++) {
        const earlier = recent[i]!;
        for (const key of freshKeys) if (earlier.has(key)) reordered++;
      }
      const doubt =
        reordered > 0
          ? `page ${page} repeated ${reordered} rows of pages before the previous one: the server's order changed between requests, so rows may have been missed`
          : undefined;
      recent.push(ids);
      if (recent.length > LOOP_WINDOW) recent.shift();
      if (confirming > 0) {
        // the page after a short first page has rows of its own: the server pages by that size
        fullSize = confirming;
        confirming = 0;
        endAt = Number.POSITIVE_INFINITY;
        req.onServerPageSize?.(fullSize, req.pageSize, endpoint);
      }
      const total = totalOf(body, req);
      if (total.total !== undefined) {
        const limit = Math.ceil(total.total / fullSize) * 2 + 10;
        if (page > limit) {
          throw new HttpError(
            classify("bad_envelope"),
            endpoint,
            `page ${page} is past what the reported total of ${total.total} rows allows (${limit} pages); stopped`,
          );
        }
      }
      if (rows.length > req.pageSize) oversize = true;
      const short = rows.length < fullSize;
      // more rows than any default: the endpoint honours per_page, and its other lists need no confirming
      if (req.pageSizeSeen && rows.length > MAX_SERVER_PAGE_SIZE && rows.length <= req.pageSize)
        req.pageSizeSeen.honoured = true;
      const confirm =
        short &&
        page === first &&
        fullSize === req.pageSize &&
        SERVER_PAGE_SIZES.includes(rows.length) &&
        !req.pageSizeSeen?.honoured &&
        !(total.total !== undefined && total.total <= rows.length);
      yield {
        page,
        rows: fresh,
        shifted: rows.length - fresh.length,
        ...(doubt ? { doubt } : {}),
        ...total,
        last: short && !confirm,
      };
      if (confirm) {
        confirming = rows.length;
        previousIds = ids;
        continue;
      }
      if (short) return;
      // a full last page still needs the (empty) page after it to show the end; nothing further is asked
      if (total.total !== undefined) lastPage = Math.max(page + 1, Math.ceil(total.total / fullSize));
      previousIds = ids;
      fullPages++;
    }
  } finally {
    finished = true;
    stop.abort();
    for (const { ahead } of pending) {
      if (!ahead) continue;
      req.prefetch!.give();
      http.stats.unusedAhead++;
    }
    req.prefetch?.close();
  }
}

/**
 * A row without a key is named by a digest of its content, not the content itself: the loop guard keeps
 * 64 pages of keys, and a whole row as a key (a grouped payout with its payouts) held MBs of strings live.
 */
function contentKey(row: Row): string {
  return createHash("sha1").update(JSON.stringify(row)).digest("base64");
}

/** pages whose row keys the loop guard remembers */
const LOOP_WINDOW = 64;
/** pages before the previous one checked for repeats (a few Set lookups per row) */
const REORDER_WINDOW = 4;

/** pages ahead allowed per full page read, inverted: at most one page in this many is requested ahead */
export const AHEAD_PER_FULL_PAGES = 20;

/**
 * Page sizes a server answers with when it ignores `per_page`: the API's documented defaults (20; 25 on webhooks;
 * only webhooks declare `per_page` at all). A short first page of one of these sizes may not be the list's last.
 */
const SERVER_PAGE_SIZES = [20, 25];
const MAX_SERVER_PAGE_SIZE = Math.max(...SERVER_PAGE_SIZES);

/** A body's row count, or -1 for one that is not a page of rows (left to the reader, who says why). */
function rowCount(body: unknown, req: PageRequest): number {
  try {
    return rowsOf(body, req, "").length;
  } catch {
    return -1;
  }
}

function keysOf(rows: Row[], rowKey: (row: Row) => unknown, endpoint: string): unknown[] {
  try {
    return rows.map(rowKey);
  } catch (error) {
    // an id-less row is keyed by its JSON: one nested 200,000 deep overflows the stack
    if (isStackOverflow(error)) throw HttpError.of("too_deep", endpoint);
    throw error;
  }
}

function totalOf(body: unknown, req: PageRequest): { total?: number } {
  if (!req.totalFrom) return {};
  const value = dig(body, pathOf(req.totalFrom));
  return typeof value === "number" && Number.isFinite(value) ? { total: value } : {};
}

/** Fail loud when the envelope is not the documented one: a changed shape must not look like zero rows. */
function rowsOf(body: unknown, req: PageRequest, endpoint: string): Row[] {
  switch (req.envelope) {
    case "array":
    case "data": {
      // /promoters was a bare array before 2025-07 and `{data, meta}` since; rows are rows either way, and
      // the other lists may make the same change
      if (Array.isArray(body)) return objectsOnly(body, endpoint);
      const data = (body as { data?: unknown } | null)?.data;
      if (Array.isArray(data)) return objectsOnly(data, endpoint);
      break;
    }
    case "object":
      // `{data: {...}}` around a detail body is the change the list endpoint made in 2025-07: rows without
      // their id and with nested credentials must not pass as a row
      if (isPlainObject(body) && !(isPlainObject(body.data) && body.id === undefined)) return [body];
      break;
    case "snapshot":
      if (isPlainObject(body)) return [body];
      break;
  }
  throw new HttpError(
    classify("bad_envelope"),
    endpoint,
    `unexpected response shape: expected ${expectation(req.envelope)}, got ${shapeOf(body)}`,
  );
}

/**
 * A list's rows are objects: a `null`, a string or a number among them is not a row without its key, it
 * is a body that is not what the API documents (and would meet the engine as a bare TypeError).
 */
export function objectsOnly(items: unknown[], endpoint: string, what = "rows"): Row[] {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new HttpError(
        classify("bad_envelope"),
        endpoint,
        `unexpected response shape: ${what} are objects, item ${i} is ${shapeOf(item)}`,
      );
    }
  }
  return items as Row[];
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
  if (isPlainObject(body))
    return `an object with keys ${Object.keys(body).slice(0, 5).join(", ") || "(none)"}`;
  return body === null ? "null" : `a ${typeof body}`;
}
