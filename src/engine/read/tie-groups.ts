import type { Query } from "../../http/client.js";
import { rowIdentity } from "../../streams/index.js";
import { type Page, paginate, type Row } from "../paginator.js";
import type { StreamContext } from "./context.js";
import { listRequest } from "./emit.js";

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
export class TieGroups {
  private value: unknown;
  private ids = new Set<unknown>();
  /** rows are told apart by the stream's primary key */
  private readonly identity: (row: Row) => unknown;
  private atRisk: boolean;
  private warnedLarge = false;

  constructor(
    private readonly ctx: StreamContext,
    private readonly field: string,
    /** a resumed read does not know the page before its first */
    resumed: boolean,
  ) {
    this.atRisk = resumed;
    this.identity = rowIdentity(ctx.selection.def);
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
      const id = this.identity(row);
      if (value !== this.value) {
        found.push(...(await this.close()));
        this.value = value;
      } else if (this.ids.has(id)) continue;
      this.ids.add(id);
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
        if (row[this.field] !== value) continue;
        const id = this.identity(row);
        if (ids.has(id)) continue;
        ids.add(id);
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
