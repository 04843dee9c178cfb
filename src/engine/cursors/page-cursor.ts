import type { StreamState } from "../state.js";
import type { CursorContext } from "./context.js";

/**
 * The position of a list read whole every sync (a full table, or the parent list of a per-parent stream):
 * the next page and the page size it was counted in. A killed sync goes on at that page; one saved with
 * another page size starts over (page n of another size is other rows).
 */
export class PageCursor {
  /** the first page to read */
  readonly start: number;
  private next: number;

  private constructor(
    start: number,
    private readonly pageSize: number,
  ) {
    this.start = start;
    this.next = start;
  }

  static resume(state: StreamState, ctx: CursorContext): PageCursor {
    const offset = state.offset;
    if (!offset || offset.page <= 1) return new PageCursor(1, ctx.pageSize);
    if (offset.page_size !== ctx.pageSize) {
      ctx.log.info(`${ctx.stream}: the saved position was taken with another page size; starting over`);
      return new PageCursor(1, ctx.pageSize);
    }
    return new PageCursor(offset.page, ctx.pageSize);
  }

  get resumed(): boolean {
    return this.start > 1;
  }

  /** A page was read (and its rows emitted). */
  observe(page: number): void {
    this.next = page + 1;
  }

  checkpoint(): StreamState {
    return { offset: { page: this.next, page_size: this.pageSize } };
  }

  /** the list was read to its end: nothing to resume */
  complete(): StreamState {
    return {};
  }
}
