import type { Config } from "../config.js";
import { addDays, isoDay, laterOf, toTime } from "../dates.js";
import type { HttpClient, Query } from "../http/client.js";
import { actionFor, classify, isStackOverflow } from "../http/error-policy.js";
import { HttpError } from "../http/http-error.js";
import type { Logger } from "../log.js";
import { findStream, type StreamDef } from "../streams.js";
import { readInOrder, START_ALL } from "./in-order.js";
import { type Page, paginate, type Row } from "./paginator.js";
import type { Prefetch } from "./prefetch.js";
import type { RecordShaper } from "./records.js";
import { ReportEstimate, reportWindows } from "./report-windows.js";
import type { Selection } from "./selection.js";
import type { StreamState } from "./state.js";

/** Everything one stream's read needs; `emitRows` and `checkpoint` go through the protocol writer. */
export interface StreamContext {
  http: HttpClient;
  /** pages requested ahead, shared by every stream of the sync */
  prefetch: Prefetch;
  config: Config;
  selection: Selection;
  shaper: RecordShaper;
  /** the state this stream starts from */
  state: StreamState;
  /** sync start: bookmarks never pass it, so rows written during the sync are read next time */
  signpost: Date;
  log: Logger;
  signal: AbortSignal;
  emitRows(rows: Row[]): Promise<void>;
  checkpoint(state: StreamState): Promise<void>;
  /** a row count the API reported or the stream can bound, for the platform's progress */
  estimate(rows: number): Promise<void>;
  /** how far along the stream is, where it knows its size */
  progress(progress: Progress): void;
}

/** `done` of `total` units; for records, `done` is the records emitted so far. */
export interface Progress {
  unit: "records" | "parents" | "windows";
  total: number;
  done?: number;
}

/** Reads one stream by the strategy its table row and the user's replication method call for. */
export async function readStream(ctx: StreamContext): Promise<void> {
  const { def, method } = ctx.selection;
  if (def.parent) return readChildren(ctx, def.parent.stream);
  if (def.report) return readReport(ctx, method === "INCREMENTAL");
  if (def.incremental) return readByDates(ctx, method === "INCREMENTAL");
  return readFullTable(ctx);
}

function listRequest(ctx: StreamContext, def: StreamDef, extra: Query = [], startPage = 1) {
  return {
    path: def.path,
    query: [...Object.entries(def.params ?? {}), ...extra],
    envelope: def.envelope,
    paginated: def.paginated,
    pageSize: ctx.config.pageSize,
    startPage,
    totalFrom: def.totalFrom,
    prefetch: ctx.prefetch,
  };
}

/**
 * Emits a page's rows. `whole`: the stream is this one list read from page 1, so a first page that is also
 * the last (unpaginated, or short) is the stream's exact size, sent as its estimate before its rows.
 */
async function emitPage(ctx: StreamContext, page: Page, whole = false): Promise<void> {
  if (page.total !== undefined && page.page === 1) {
    ctx.progress({ unit: "records", total: page.total });
    await ctx.estimate(page.total);
  } else if (whole && page.page === 1 && isLastPage(ctx, page)) {
    await ctx.estimate(page.rows.length);
  }
  if (ctx.selection.def.envelope === "snapshot") {
    for (const row of page.rows) row.snapshot_at = ctx.signpost.toISOString();
  }
  if (page.shifted > 0) {
    ctx.log.info(
      `${ctx.selection.def.name}: page ${page.page} repeated ${page.shifted} rows of the previous page (rows were inserted during the sync); dropped the repeats`,
    );
  }
  await emitShaped(ctx, page.rows, undefined, () => `${ctx.selection.def.path}, page ${page.page}`);
}

/** The paginator stops after a page shorter than the page size (the API has no page-count metadata). */
function isLastPage(ctx: StreamContext, page: Page): boolean {
  return !ctx.selection.def.paginated || page.rows.length < ctx.config.pageSize;
}

/**
 * Shapes and emits a page's rows. JSON.parse takes any depth, but every walk of a row after it (shaping,
 * serialising) recurses: a body nested 200,000 deep fails here, said as the endpoint's fault, not as
 * "Maximum call stack size exceeded". Checking depth while parsing would cost every body a second scan.
 */
async function emitShaped(ctx: StreamContext, rows: Row[], extra: Row | undefined, where: () => string) {
  try {
    await ctx.emitRows(ctx.shaper.shape(rows, extra));
  } catch (error) {
    if (isStackOverflow(error)) throw HttpError.of("too_deep", where());
    throw error;
  }
}

/** Whole list every sync; a checkpoint after each page names the next page, so a killed sync goes on there. */
async function readFullTable(ctx: StreamContext): Promise<void> {
  const start = resumePage(ctx);
  const ties = ctx.selection.def.ties
    ? new TieGroups(ctx, ctx.selection.def.ties.field, start > 1)
    : undefined;
  for await (const page of paginate(ctx.http, listRequest(ctx, ctx.selection.def, [], start), ctx.signal)) {
    const reread = ties ? await ties.observe(page) : [];
    await emitPage(ctx, page, start === 1);
    if (reread.length) await emitShaped(ctx, reread, undefined, () => ctx.selection.def.path);
    if (ctx.selection.def.paginated) {
      await ctx.checkpoint({ offset: { page: page.page + 1, page_size: ctx.config.pageSize } });
    }
  }
  const last = ties ? await ties.close() : [];
  if (last.length) await emitShaped(ctx, last, undefined, () => ctx.selection.def.path);
  await ctx.checkpoint({});
}

/** the API's largest page: a tie group re-read in one request holds every row of the group, whatever its order */
const MAX_PAGE_SIZE = 100;

/**
 * The rows sharing the sort value at the end of what was read. Offset pages of a list sorted on a shared value
 * are only as stable as the server's order within a tie: one that orders ties differently per request shows
 * some rows of a group straddling a boundary twice and others never. So a group that straddled a boundary
 * (the next page opens with its value, or repeated rows of the page before) is re-read when it ends, through
 * the field's day filter, and the rows of it never seen are emitted then; repeats within a group are dropped.
 * A well-behaved server costs one request per straddling group and changes nothing in the output. Groups
 * of a page or more are not re-read (see `close`).
 */
class TieGroups {
  private value: unknown;
  private ids = new Set<unknown>();
  private atRisk: boolean;
  private warnedLarge = false;

  constructor(
    private readonly ctx: StreamContext,
    private readonly field: string,
    /** a resumed read does not know the page before its first */
    resumed: boolean,
  ) {
    this.atRisk = resumed;
  }

  /** Drops the page's repeats within a group; returns the rows that re-reads of groups it closed found. */
  async observe(page: Page): Promise<Row[]> {
    const found: Row[] = [];
    const first = page.rows[0];
    if (page.page > 1 && (page.shifted > 0 || (first && first[this.field] === this.value)))
      this.atRisk = true;
    const kept: Row[] = [];
    for (const row of page.rows) {
      const value = row[this.field];
      if (value !== this.value) {
        found.push(...(await this.close()));
        this.value = value;
      } else if (this.ids.has(row.id)) continue;
      this.ids.add(row.id);
      kept.push(row);
    }
    page.rows = kept;
    return found;
  }

  /** Ends the current group: its rows never seen, when it straddled a boundary. */
  async close(): Promise<Row[]> {
    // before the first row there is no group, and a resumed read's doubt carries to the first one
    if (this.ids.size === 0) return [];
    const { value, ids, atRisk } = this;
    this.ids = new Set();
    this.atRisk = false;
    if (!atRisk || typeof value !== "string" || !/^\d{4}-\d\d-\d\d/.test(value)) return [];
    const { def } = this.ctx.selection;
    // A group of more than a page cannot be re-read whole in one request, so a re-read would meet the same
    // boundaries it checks (payouts share a month's period_start by the hundred): said once, not paid for.
    if (ids.size >= MAX_PAGE_SIZE) {
      if (!this.warnedLarge) {
        this.warnedLarge = true;
        this.ctx.log.debug(
          `${def.name}: ${ids.size} rows share ${this.field} ${value}, more than a page; groups that large are not re-read (the API has no second sort key)`,
        );
      }
      return [];
    }
    const day = value.slice(0, 10);
    const filter: Query = [
      [`filters[${this.field}][from]`, day],
      [`filters[${this.field}][to]`, day],
    ];
    const request = { ...listRequest(this.ctx, def, filter), pageSize: MAX_PAGE_SIZE, prefetch: undefined };
    const missed: Row[] = [];
    for await (const page of paginate(this.ctx.http, request, this.ctx.signal)) {
      for (const row of page.rows) {
        if (row[this.field] !== value || ids.has(row.id)) continue;
        ids.add(row.id);
        missed.push(row);
      }
    }
    if (missed.length) {
      this.ctx.log.warn(
        `${def.name}: re-reading the rows with ${this.field} ${value} found ${missed.length} the pages had skipped (the server orders ties differently per page)`,
      );
    }
    return missed;
  }
}

/** The saved page, when it was saved with this page size (page n of another size is other rows). */
function resumePage(ctx: StreamContext): number {
  const offset = ctx.state.offset;
  if (!offset || offset.page <= 1) return 1;
  if (offset.page_size !== ctx.config.pageSize) {
    ctx.log.info(
      `${ctx.selection.def.name}: the saved position was taken with another page size; starting over`,
    );
    return 1;
  }
  return offset.page;
}

/**
 * Streams with server-side date filters (`filters[<field>][from]=YYYY-MM-DD`). Each pass filters on one date
 * field from the bookmark minus the lookback window. A sorted stream's bookmark advances after every page;
 * an unsorted one keeps its old bookmark until every pass is done and checkpoints its position instead.
 */
async function readByDates(ctx: StreamContext, incremental: boolean): Promise<void> {
  const { def } = ctx.selection;
  const spec = def.incremental!;
  const { config, signpost } = ctx;
  const bookmark = incremental ? cappedBookmark(ctx) : undefined;
  const floor = config.startDate?.getTime();
  const fromTime = bookmark
    ? Math.max(addDays(new Date(bookmark), -config.lookbackDays).getTime(), floor ?? 0)
    : floor;
  const from = fromTime === undefined ? undefined : isoDay(new Date(fromTime));
  // Without a bookmark the creation-date pass already holds every row; the other passes find old rows
  // whose later dates (became a customer, cancelled) moved since the last sync.
  const passes = bookmark ? spec.windowFields : [spec.cursorField];
  // Sorted incremental streams resume from their bookmark; the others from the page they reached, but only
  // when the offset was written for the same query (filter date, page size): otherwise page n is other rows.
  let resume = !incremental || !spec.sorted ? ctx.state.offset : undefined;
  if (resume && (resume.from !== (from ?? "") || resume.page_size !== config.pageSize)) {
    ctx.log.info(
      `${def.name}: the saved position was taken with another filter or page size; restarting from the first page`,
    );
    resume = undefined;
  }
  // Rows deleted before the saved page shift later rows onto pages already read: a resumed unsorted read may
  // miss them, so it keeps the old bookmark and the next sync reads the whole window again.
  const resumedMidway = resume !== undefined && (resume.page > 1 || (resume.pass ?? passes[0]) !== passes[0]);
  let passIndex = resume?.pass ? Math.max(0, passes.indexOf(resume.pass)) : 0;
  let max = resume?.max;
  let maxTime = toTime(max) ?? Number.NEGATIVE_INFINITY; // parsed once, not once per row
  const emittedByEarlierPasses = new Set<unknown>();
  const key = spec.cursorField;
  const cap = signpost.getTime();
  // a "sorted" stream checks the server's claim: once a page goes backwards the bookmark stays put to the end
  let ordered = spec.sorted;
  let lastCursor = Number.NEGATIVE_INFINITY;

  for (; passIndex < passes.length; passIndex++) {
    const field = passes[passIndex]!;
    const filter: Query = from ? [[`filters[${field}][from]`, from]] : [];
    const startPage = resume?.pass === field || (passIndex === 0 && resume && !resume.pass) ? resume.page : 1;
    const request = listRequest(ctx, def, filter, startPage);
    for await (const page of paginate(ctx.http, request, ctx.signal)) {
      if (passIndex > 0) page.rows = page.rows.filter((r) => !emittedByEarlierPasses.has(r.id));
      if (passes.length > 1 && passIndex < passes.length - 1) {
        for (const r of page.rows) emittedByEarlierPasses.add(r.id);
      }
      for (const row of page.rows) {
        for (const f of spec.windowFields) {
          const t = toTime(row[f]);
          if (t !== undefined && t <= cap && t > maxTime) {
            maxTime = t;
            max = row[f] as string;
          }
        }
        if (ordered) {
          const t = toTime(row[key]);
          if (t !== undefined) {
            if (t < lastCursor) {
              ordered = false;
              ctx.log.warn(
                `${def.name}: rows are not sorted by ${key} as requested (page ${page.page}); the bookmark advances only when the stream completes`,
              );
            } else lastCursor = t;
          }
        }
      }
      await emitPage(ctx, page, passes.length === 1 && startPage === 1);
      if (!incremental) {
        await ctx.checkpoint({
          offset: { page: page.page + 1, from: from ?? "", page_size: config.pageSize },
        });
      } else if (spec.sorted) {
        await ctx.checkpoint(bookmarkState(key, ordered ? laterOf(bookmark, max) : bookmark));
      } else {
        const offset = {
          pass: field,
          page: page.page + 1,
          from: from ?? "",
          page_size: config.pageSize,
          ...(max ? { max } : {}),
        };
        await ctx.checkpoint({ ...bookmarkState(key, bookmark), offset });
      }
    }
  }
  if (incremental && resumedMidway) {
    ctx.log.info(`${def.name}: resumed mid-stream, so the bookmark stays where it was for the next sync`);
    await ctx.checkpoint(bookmarkState(key, bookmark));
    return;
  }
  await ctx.checkpoint(incremental ? bookmarkState(key, laterOf(bookmark, max)) : {});
}

/**
 * The state's bookmark, capped at the sync's start: a bookmark in the future (a clock or a hand-edited state)
 * would read nothing, and be written back, forever. The capped value is what later checkpoints carry.
 */
function cappedBookmark(ctx: StreamContext): string | undefined {
  const value = ctx.state.replication_key_value;
  if (value === undefined) return undefined;
  const t = toTime(value);
  if (t !== undefined && t > ctx.signpost.getTime()) {
    const capped = ctx.signpost.toISOString();
    ctx.log.warn(
      `${ctx.selection.def.name}: bookmark ${value} is after the sync's start; capped at ${capped}`,
    );
    return capped;
  }
  return value;
}

function bookmarkState(key: string, value: string | undefined): StreamState {
  return value === undefined ? {} : { replication_key: key, replication_key_value: value };
}

/** Reports in calendar windows; the bookmark is the start of the last window read, re-read with the lookback. */
async function readReport(ctx: StreamContext, incremental: boolean): Promise<void> {
  const { def } = ctx.selection;
  const report = def.report!;
  const { config, signpost } = ctx;
  const groupBy = config.reportsGroupBy;
  const bookmark = incremental ? cappedBookmark(ctx) : undefined;
  const floor = config.startDate ?? addDays(signpost, -365);
  const from = bookmark
    ? new Date(Math.max(addDays(new Date(bookmark), -config.lookbackDays).getTime(), floor.getTime()))
    : floor;
  let last = bookmark;
  const windows = [...reportWindows(from, signpost, groupBy)];
  let windowsDone = 0;
  ctx.progress({ unit: "windows", total: windows.length, done: 0 });
  const estimate = new ReportEstimate(windows, groupBy, report.entityField !== undefined);
  let sent = estimate.initial();
  if (sent !== undefined) await ctx.estimate(sent);
  let windowRows = 0;
  const lists = windows.map((window) => {
    const query: Query = [
      ...report.columns.map((c) => ["columns[]", c] as const),
      ["group_by", groupBy],
      ["start_date", `${window.start}T00:00:00Z`],
      ["end_date", `${window.end}T23:59:59Z`],
    ];
    return paginate(ctx.http, listRequest(ctx, def, query), ctx.signal);
  });
  for await (const event of readInOrder(lists, ctx.prefetch)) {
    const window = windows[event.list]!;
    if ("item" in event) {
      const page = event.item;
      page.rows = flattenReport(page.rows, report.entityField, window.start, window.end, groupBy);
      windowRows += page.rows.length;
      await emitPage(ctx, page);
    } else {
      const next = estimate.windowDone(event.list, windowRows);
      windowRows = 0;
      // refined after each window, sent only when it changes
      if (next !== undefined && next !== sent) {
        sent = next;
        await ctx.estimate(next);
      }
      last = laterOf(last, window.start);
      ctx.progress({ unit: "windows", total: windows.length, done: ++windowsDone });
      await ctx.checkpoint(bookmarkState("window_start", last));
    }
  }
  await ctx.checkpoint(bookmarkState("window_start", last));
}

/** One row per `sub_data` period (or the row itself when the report has no periods). */
function flattenReport(
  rows: Row[],
  entityField: string | undefined,
  windowStart: string,
  windowEnd: string,
  groupBy: string,
): Row[] {
  const out: Row[] = [];
  for (const row of rows) {
    const base: Row = { window_start: windowStart, window_end: windowEnd, group_by: groupBy };
    if (entityField) base[entityField] = row[entityField] ?? null;
    const subData = row.sub_data;
    if (entityField && Array.isArray(subData)) {
      for (const sub of subData as Row[]) {
        out.push({
          ...base,
          entity_id: row.id,
          entity_data: row.data ?? null,
          id: sub.id,
          period: sub.period ?? null,
          data: sub.data ?? null,
        });
      }
    } else {
      out.push({
        ...base,
        entity_id: entityField ? row.id : "account",
        entity_data: entityField ? (row.data ?? null) : null,
        id: row.id,
        period: row.period ?? null,
        data: row.data ?? null,
      });
    }
  }
  return out;
}

/**
 * One request (or paged list) per row of a parent stream. Parents are read page by page; the children of a
 * parent page are all started at once (within the HTTP core's bounds) and emitted in parent order, each
 * child list page by page as it is read, so memory holds a page per child, never a whole child list (a
 * webhook may have thousands of deliveries). The checkpoint names the next parent page. A parent deleted
 * since it was listed (404) is skipped with a warning.
 */
async function readChildren(ctx: StreamContext, parentName: string): Promise<void> {
  const { def } = ctx.selection;
  const parentDef = findStream(parentName)!;
  const link = def.parent!;
  const start = resumePage(ctx);
  const parents = paginate(ctx.http, listRequest(ctx, parentDef, [], start), ctx.signal);
  const resumedAt = (start - 1) * ctx.config.pageSize;
  let parentsDone = resumedAt;
  let parentsSeen = parentsDone;
  let parentTotal: number | undefined;
  let rows = 0;
  let sent: number | undefined;
  for await (const parentPage of parents) {
    parentsSeen += parentPage.rows.length;
    // the parent count is known from the API's total, or once a short page ends the parent list
    const last = !parentDef.paginated || parentPage.rows.length < ctx.config.pageSize;
    const total = parentPage.total ?? (last ? parentsSeen : undefined);
    if (total !== undefined && parentTotal === undefined) {
      parentTotal = total;
      // one request per parent, one row per request: the parents this sync reads are its rows
      if (!def.paginated) {
        sent = Math.max(0, parentTotal - resumedAt);
        await ctx.estimate(sent);
      }
    }
    const keys = parentPage.rows.map((p) => p[link.key]).filter((k) => k !== undefined && k !== null);
    const lists = keys.map((key) => childPages(ctx, def, String(key)));
    for await (const event of readInOrder(lists, START_ALL)) {
      if (!("item" in event)) {
        parentsDone++;
        if (parentTotal !== undefined)
          ctx.progress({ unit: "parents", total: parentTotal, done: parentsDone });
        continue;
      }
      if (event.item.length === 0) continue;
      const extra = link.as ? { [link.as]: keys[event.list] } : undefined;
      rows += event.item.length;
      const key = String(keys[event.list]);
      await emitShaped(ctx, event.item, extra, () => def.path.replaceAll("{parent_id}", key));
    }
    // a child list has no size of its own: once the parent count is known, the rows per parent read so far
    // times the parents left (refined after every parent page, sent when it changes)
    const read = parentsDone - resumedAt;
    if (def.paginated && parentTotal !== undefined && read > 0) {
      const next = rows + Math.round((rows / read) * Math.max(0, parentTotal - parentsDone));
      if (next !== sent) {
        sent = next;
        await ctx.estimate(next);
      }
    }
    await ctx.checkpoint({ offset: { page: parentPage.page + 1, page_size: ctx.config.pageSize } });
  }
  await ctx.checkpoint({});
}

/** The pages of one parent's child list; nothing for a parent deleted since it was listed. */
async function* childPages(ctx: StreamContext, def: StreamDef, parentKey: string): AsyncGenerator<Row[]> {
  const fill = (s: string) => s.replaceAll("{parent_id}", encodeURIComponent(parentKey));
  const request = {
    ...listRequest(ctx, def),
    path: fill(def.path),
    query: Object.entries(def.params ?? {}).map(([k, v]) => [k, fill(v)] as const),
  };
  try {
    for await (const page of paginate(ctx.http, request, ctx.signal)) yield page.rows;
  } catch (error) {
    if (error instanceof HttpError && childAction(error, def) === "skip-parent") {
      ctx.log.warn(`${def.name}: skipped parent ${parentKey}: ${error.message}`);
      return;
    }
    throw error;
  }
}

/** A per-parent stream's row of the error table: a 404 is that one parent, deleted since it was listed. */
function childAction(error: HttpError, def: StreamDef) {
  if (error.rule.action === "stop-sync" || error.status === undefined) return error.rule.action;
  const rule = classify(error.status, { perParent: true });
  return actionFor(rule, error.status, def.onError);
}
