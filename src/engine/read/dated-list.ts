import type { Query } from "../../http/client.js";
import { type IncrementalSpec, rowIdentity } from "../../streams/index.js";
import {
  type DatedCursor,
  DatedFullTableCursor,
  MultiPassCursor,
  SortedCursor,
} from "../cursors/dated-cursor.js";
import { paginate } from "../paginator.js";
import { cursorContext, type StreamContext } from "./context.js";
import { emitPage, listRequest } from "./emit.js";

/**
 * A list with server-side date filters (`filters[<field>][from]=YYYY-MM-DD`), one pass per filter field its
 * cursor asks for. The cursor is chosen by the replication method and the server's sort: it says where each
 * pass starts, which rows of a page are new, and what each checkpoint saves.
 */
export async function readDatedList(ctx: StreamContext, spec: IncrementalSpec): Promise<void> {
  const { def } = ctx.selection;
  const cursor = cursorFor(ctx, spec);
  const from = cursor.from;
  await ctx.out.begin(cursor.resumed);
  for (const { field, startPage } of cursor.remainingPasses()) {
    const filter: Query = from ? [[`filters[${field}][from]`, from]] : [];
    const request = listRequest(ctx, def, filter, startPage);
    for await (const page of paginate(ctx.http, request, ctx.signal)) {
      if (page.doubt) cursor.distrust();
      page.rows = cursor.observe(page.page, page.rows);
      await emitPage(ctx, page, cursor.passes.length === 1 && startPage === 1);
      await ctx.out.checkpoint(cursor.checkpoint(page.page));
    }
  }
  await ctx.out.checkpoint(cursor.complete());
}

function cursorFor(ctx: StreamContext, spec: IncrementalSpec): DatedCursor {
  const args = [spec, ctx.state, cursorContext(ctx), rowIdentity(ctx.selection.def)] as const;
  if (ctx.selection.method === "FULL_TABLE") return DatedFullTableCursor.resume(...args);
  return spec.sorted ? SortedCursor.resume(...args) : MultiPassCursor.resume(...args);
}
