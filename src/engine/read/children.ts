import { actionFor, classify } from "../../http/error-policy.js";
import { HttpError } from "../../http/http-error.js";
import { findStream, isPaged, type ParentSpec, type StreamDef } from "../../streams/index.js";
import { PageCursor } from "../cursors/page-cursor.js";
import { readInOrder, START_ALL } from "../in-order.js";
import { paginate, type Row } from "../paginator.js";
import { cursorContext, type StreamContext } from "./context.js";
import { emitShaped, listRequest } from "./emit.js";

/**
 * One request (or paged list) per row of a parent stream. Parents are read page by page; the children of a
 * parent page are all started at once (within the HTTP core's bounds) and emitted in parent order, each
 * child list page by page as it is read, so memory holds a page per child, never a whole child list (a
 * webhook may have thousands of deliveries). The checkpoint names the next parent page. A parent deleted
 * since it was listed (404) is skipped with a warning.
 */
export async function readChildren(ctx: StreamContext, link: ParentSpec): Promise<void> {
  const { def } = ctx.selection;
  const parentDef = findStream(link.stream)!;
  const cursor = PageCursor.resume(ctx.state, cursorContext(ctx));
  const start = cursor.start;
  await ctx.out.begin(cursor.resumed);
  const parents = paginate(ctx.http, listRequest(ctx, parentDef, [], start), ctx.signal);
  const childrenPaged = isPaged(def);
  const resumedAt = (start - 1) * ctx.config.pageSize;
  let parentsDone = resumedAt;
  let parentsSeen = parentsDone;
  let parentTotal: number | undefined;
  let rows = 0;
  let sent: number | undefined;
  const tally: Tally = { asked: 0, skipped: 0 };
  for await (const parentPage of parents) {
    if (parentPage.doubt) ctx.out.unreliable(`${parentDef.name} ${parentPage.doubt}`);
    parentsSeen += parentPage.rows.length;
    // the parent count is known from the API's total, or once a short page ends the parent list
    const total = parentPage.total ?? (parentPage.last ? parentsSeen : undefined);
    if (total !== undefined && parentTotal === undefined) {
      parentTotal = total;
      // one request per parent, one row per request: the parents this sync reads are its rows
      if (!childrenPaged) {
        sent = Math.max(0, parentTotal - resumedAt);
        await ctx.out.estimate(sent);
      }
    }
    const keys = parentPage.rows.map((p) => p[link.key]).filter((k) => k !== undefined && k !== null);
    const lists = keys.map((key) => childPages(ctx, def, String(key), tally));
    for await (const event of readInOrder(lists, START_ALL)) {
      if (!("item" in event)) {
        parentsDone++;
        if (parentTotal !== undefined)
          ctx.out.progress({ unit: "parents", total: parentTotal, done: parentsDone });
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
    if (childrenPaged && parentTotal !== undefined && read > 0) {
      const next = rows + Math.round((rows / read) * Math.max(0, parentTotal - parentsDone));
      if (next !== sent) {
        sent = next;
        await ctx.out.estimate(next);
      }
    }
    // One 404 is a parent deleted since it was listed; every parent at once is the endpoint (moved, or not
    // for this key), and taken as deletions it would empty the destination's table. Checked before the
    // checkpoint, so a resumed sync asks these parents again.
    if (tally.asked >= 2 && tally.skipped === tally.asked) {
      throw new HttpError(
        classify("bad_envelope"),
        def.path,
        `every one of the ${tally.asked} parents read so far answered 404: the endpoint, not ${tally.asked} deleted parents; stopped`,
      );
    }
    cursor.observe(parentPage.page);
    await ctx.out.checkpoint(cursor.checkpoint());
  }
  await ctx.out.checkpoint(cursor.complete());
}

/** Parents asked for their children, and those skipped as deleted (404). */
interface Tally {
  asked: number;
  skipped: number;
}

/** The pages of one parent's child list; nothing for a parent deleted since it was listed. */
async function* childPages(
  ctx: StreamContext,
  def: StreamDef,
  parentKey: string,
  tally: Tally,
): AsyncGenerator<Row[]> {
  tally.asked++;
  const fill = (s: string) => s.replaceAll("{parent_id}", encodeURIComponent(parentKey));
  const request = {
    ...listRequest(ctx, def),
    path: fill(def.path),
    query: Object.entries(def.params ?? {}).map(([k, v]) => [k, fill(v)] as const),
  };
  // A 404 is a deleted parent only while its list has given nothing: on page 2 it is a list cut short
  let pages = 0;
  try {
    for await (const page of paginate(ctx.http, request, ctx.signal)) {
      pages++;
      if (page.doubt) ctx.out.unreliable(`parent ${parentKey}'s ${page.doubt}`);
      yield page.rows;
    }
  } catch (error) {
    if (error instanceof HttpError && pages === 0 && childAction(error, def) === "skip-parent") {
      tally.skipped++;
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
