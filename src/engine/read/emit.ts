import type { Query } from "../../http/client.js";
import { isStackOverflow } from "../../http/error-policy.js";
import { HttpError } from "../../http/http-error.js";
import { isPaged, rowIdentity, type StreamDef } from "../../streams/index.js";
import type { Page, PageRequest, PageSizeSeen, Row } from "../paginator.js";
import type { StreamContext } from "./context.js";

/** The paged list of `def` (the stream itself, or a per-parent stream's parent) with extra query terms. */
export function listRequest(
  ctx: StreamContext,
  def: StreamDef,
  extra: Query = [],
  startPage = 1,
): PageRequest {
  return {
    path: def.path,
    query: [...Object.entries(def.params ?? {}), ...extra],
    envelope: def.envelope,
    paginated: isPaged(def),
    pageSize: ctx.config.pageSize,
    startPage,
    totalFrom: def.totalFrom,
    prefetch: ctx.prefetch,
    identity: rowIdentity(def),
    pageSizeSeen: pageSizeSeen(ctx, def),
    onServerPageSize: (size, asked, endpoint) => {
      if (cappedWarned.has(ctx)) return;
      cappedWarned.add(ctx);
      ctx.log.warn(
        `${ctx.selection.def.name}: the server answers ${size} rows a page where per_page=${asked} was asked (${endpoint}); paging by ${size}`,
      );
    },
  };
}

/** streams already told that their server caps per_page (once per stream, not per parent's list) */
const cappedWarned = new WeakSet<StreamContext>();
/** per stream and endpoint (path template): whether its lists showed per_page is honoured */
const pageSizes = new WeakMap<StreamContext, Map<string, PageSizeSeen>>();

function pageSizeSeen(ctx: StreamContext, def: StreamDef): PageSizeSeen {
  const byPath = pageSizes.get(ctx) ?? new Map<string, PageSizeSeen>();
  pageSizes.set(ctx, byPath);
  const seen = byPath.get(def.path) ?? { honoured: false };
  byPath.set(def.path, seen);
  return seen;
}

/**
 * Emits a page's rows. `whole`: the stream is this one list read from page 1, so a first page that is also
 * the last (unpaginated, or short) is the stream's exact size, sent as its estimate before its rows.
 */
export async function emitPage(ctx: StreamContext, page: Page, whole = false): Promise<void> {
  if (page.total !== undefined && page.page === 1) {
    ctx.out.progress({ unit: "records", total: page.total });
    await ctx.out.estimate(page.total);
  } else if (whole && page.page === 1 && page.last) {
    await ctx.out.estimate(page.rows.length);
  }
  if (ctx.selection.def.envelope === "snapshot") {
    for (const row of page.rows) row.snapshot_at = ctx.signpost.toISOString();
  }
  if (page.doubt) ctx.out.unreliable(page.doubt);
  if (page.shifted > 0) {
    ctx.log.info(
      `${ctx.selection.def.name}: page ${page.page} repeated ${page.shifted} rows of the previous page (rows were inserted during the sync); dropped the repeats`,
    );
  }
  await emitShaped(ctx, page.rows, undefined, () => `${ctx.selection.def.path}, page ${page.page}`);
}

/**
 * Shapes and emits a page's rows. JSON.parse takes any depth, but every walk of a row after it (shaping,
 * serialising) recurses: a body nested 200,000 deep fails here, said as the endpoint's fault, not as
 * "Maximum call stack size exceeded". Checking depth while parsing would cost every body a second scan.
 */
export async function emitShaped(
  ctx: StreamContext,
  rows: Row[],
  extra: Row | undefined,
  where: () => string,
) {
  try {
    await ctx.out.rows(ctx.shaper.shape(rows, extra));
  } catch (error) {
    if (isStackOverflow(error)) throw HttpError.of("too_deep", where());
    throw error;
  }
}
