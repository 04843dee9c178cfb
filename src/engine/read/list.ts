import { PageCursor } from "../cursors/page-cursor.js";
import { paginate } from "../paginator.js";
import { cursorContext, type StreamContext } from "./context.js";
import { emitPage, emitShaped, listRequest } from "./emit.js";
import { TieGroups } from "./tie-groups.js";

/**
 * A whole list every sync (a list, or a snapshot's one request); a checkpoint after each page names the next
 * page, so a killed sync goes on there.
 */
export async function readList(ctx: StreamContext, ties?: { field: string }): Promise<void> {
  const { def } = ctx.selection;
  const cursor = PageCursor.resume(ctx.state, cursorContext(ctx));
  const groups = ties ? new TieGroups(ctx, ties.field, cursor.resumed) : undefined;
  const request = listRequest(ctx, def, [], cursor.start);
  await ctx.out.begin(cursor.resumed);
  for await (const page of paginate(ctx.http, request, ctx.signal)) {
    const reread = groups ? await groups.observe(page) : [];
    await emitPage(ctx, page, cursor.start === 1);
    if (reread.length) await emitShaped(ctx, reread, undefined, () => def.path);
    if (request.paginated) {
      cursor.observe(page.page);
      await ctx.out.checkpoint(cursor.checkpoint());
    }
  }
  const last = groups ? await groups.close() : [];
  if (last.length) await emitShaped(ctx, last, undefined, () => def.path);
  await ctx.out.checkpoint(cursor.complete());
}
