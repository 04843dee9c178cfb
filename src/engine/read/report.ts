import type { Query } from "../../http/client.js";
import { ACCOUNT_ENTITY_ID, REPORT_CURSOR_FIELD, type ReportSpec } from "../../streams/index.js";
import { ReportCursor } from "../cursors/report-cursor.js";
import { objectsOnly, paginate, type Row } from "../paginator.js";
import { ReportEstimate, reportWindows } from "../report-windows.js";
import { readSideBySide } from "../side-by-side.js";
import { cursorContext, type StreamContext } from "./context.js";
import { emitPage, listRequest } from "./emit.js";

/** Calendar windows read side by side: a window's pages form a chain (no total), windows do not depend on each other. */
export const REPORT_WINDOWS_AT_ONCE = 4;
/** Pages of the windows after the one being emitted that may wait in memory (a report page is ~150 kB of JSON). */
export const REPORT_PAGES_AHEAD = 24;

/**
 * Reports in calendar windows, emitted in window order, with up to REPORT_WINDOWS_AT_ONCE windows read side by
 * side; a checkpoint after each window read whole.
 */
export async function readReport(ctx: StreamContext, report: ReportSpec): Promise<void> {
  const { def } = ctx.selection;
  const { config, signpost } = ctx;
  const groupBy = config.reportsGroupBy;
  const cursor =
    ctx.selection.method === "INCREMENTAL"
      ? ReportCursor.resume(ctx.state, cursorContext(ctx))
      : ReportCursor.fromStart(cursorContext(ctx));
  const windows = [...reportWindows(cursor.from, signpost, groupBy)];
  await ctx.out.begin(cursor.resumedFrom !== undefined);
  let windowsDone = 0;
  ctx.out.progress({ unit: "windows", total: windows.length, done: 0 });
  const estimate = new ReportEstimate(windows, groupBy, report.entityField !== undefined);
  let sent = estimate.initial();
  if (sent !== undefined) await ctx.out.estimate(sent);
  let windowRows = 0;
  // a raw row of one window is one entity (or period): its id names it until flattening adds the window
  const identity = (row: Row) => row.id;
  const lists = windows.map((window) => {
    const query: Query = [
      ...report.columns.map((c) => ["columns[]", c] as const),
      ["group_by", groupBy],
      ["start_date", `${window.start}T00:00:00Z`],
      ["end_date", `${window.end}T23:59:59Z`],
    ];
    return paginate(ctx.http, { ...listRequest(ctx, def, query), identity }, ctx.signal);
  });
  for await (const event of readSideBySide(lists, REPORT_WINDOWS_AT_ONCE, REPORT_PAGES_AHEAD)) {
    const window = windows[event.list]!;
    if ("item" in event) {
      const page = event.item;
      const where = () => `${def.path}, window ${window.start}, page ${page.page}`;
      for (const row of page.rows) {
        if (Array.isArray(row.sub_data)) objectsOnly(row.sub_data, where(), "sub_data periods");
      }
      page.rows = flattenReport(page.rows, report.entityField, window.start, window.end, groupBy);
      windowRows += page.rows.length;
      await emitPage(ctx, page);
    } else {
      const next = estimate.windowDone(event.list, windowRows);
      windowRows = 0;
      // refined after each window, sent only when it changes
      if (next !== undefined && next !== sent) {
        sent = next;
        await ctx.out.estimate(next);
      }
      cursor.observe(window.start);
      ctx.out.progress({ unit: "windows", total: windows.length, done: ++windowsDone });
      await ctx.out.checkpoint(cursor.checkpoint());
    }
  }
  await ctx.out.checkpoint(cursor.checkpoint());
}

/** One row per `sub_data` period (or the row itself when the report has no periods). */
export function flattenReport(
  rows: Row[],
  entityField: string | undefined,
  windowStart: string,
  windowEnd: string,
  groupBy: string,
): Row[] {
  const out: Row[] = [];
  for (const row of rows) {
    const base: Row = { [REPORT_CURSOR_FIELD]: windowStart, window_end: windowEnd, group_by: groupBy };
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
        entity_id: entityField ? row.id : ACCOUNT_ENTITY_ID,
        entity_data: entityField ? (row.data ?? null) : null,
        id: row.id,
        period: row.period ?? null,
        data: row.data ?? null,
      });
    }
  }
  return out;
}
