import { addDays, laterOf, toTime } from "../../dates.js";
import { REPORT_CURSOR_FIELD } from "../../streams/index.js";
import type { StreamState } from "../state.js";
import { bookmarkState, cappedBookmark } from "./bookmark.js";
import type { CursorContext } from "./context.js";

/** a report without start_date or bookmark covers the year before the sync */
const DEFAULT_REPORT_DAYS = 365;

/**
 * A report's calendar windows: the bookmark is the start of the last window read, re-read with the lookback.
 * INCREMENTAL starts from the (capped) bookmark; FULL_TABLE from start_date or a year back. Both save the
 * windows read, so a later INCREMENTAL sync goes on from there.
 */
export class ReportCursor {
  /** the first day the windows cover */
  readonly from: Date;
  private last: string | undefined;
  /** the latest window read whole in this sync */
  private readThrough: string | undefined;

  private constructor(
    private readonly bookmark: string | undefined,
    ctx: CursorContext,
  ) {
    const floor = ctx.startDate ?? addDays(ctx.signpost, -DEFAULT_REPORT_DAYS);
    this.from = bookmark
      ? new Date(Math.max(addDays(new Date(bookmark), -ctx.lookbackDays).getTime(), floor.getTime()))
      : floor;
    this.last = bookmark;
  }

  /** INCREMENTAL: from the state's bookmark. */
  static resume(state: StreamState, ctx: CursorContext): ReportCursor {
    return new ReportCursor(cappedBookmark(state, ctx), ctx);
  }

  /** FULL_TABLE: the whole default range, whatever the state says. */
  static fromStart(ctx: CursorContext): ReportCursor {
    return new ReportCursor(undefined, ctx);
  }

  get resumedFrom(): string | undefined {
    return this.bookmark;
  }

  /** The window starting on `windowStart` (YYYY-MM-DD) was read whole. */
  observe(windowStart: string): void {
    this.last = laterOf(this.last, windowStart);
    this.readThrough = laterOf(this.readThrough, windowStart);
  }

  /** The bookmark, and while the lookback's windows are read again (the bookmark stays), how far that got. */
  checkpoint(): StreamState {
    const state = bookmarkState(REPORT_CURSOR_FIELD, this.last);
    const rereading = (toTime(this.readThrough) ?? Number.POSITIVE_INFINITY) < (toTime(this.last) ?? 0);
    return rereading ? { ...state, lookback_read_through: this.readThrough } : state;
  }
}
