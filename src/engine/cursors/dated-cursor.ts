import { laterOf, toTime } from "../../dates.js";
import type { IncrementalSpec } from "../../streams/index.js";
import type { Row } from "../paginator.js";
import type { StreamState } from "../state.js";
import { bookmarkState, cappedBookmark, filterDay } from "./bookmark.js";
import type { CursorContext } from "./context.js";

/** One pass of a dated list: the date field it filters on and the page it starts at. */
export interface Pass {
  field: string;
  startPage: number;
}

type Offset = NonNullable<StreamState["offset"]>;

/**
 * What every read of a dated list (`filters[<field>][from]=YYYY-MM-DD`) shares: the filter day (the bookmark
 * minus the lookback, never before start_date), the passes (one per window field once there is a bookmark,
 * else the creation-date pass alone, which already holds every row), the latest date seen (capped at the
 * sync's start) and the check of a "sorted" stream's claim. Subclasses say what is saved and when.
 */
export abstract class DatedCursor {
  readonly from: string | undefined;
  readonly passes: readonly string[];
  protected readonly key: string;
  /** the saved position, when it was written for this filter day and page size */
  protected readonly resumeAt: Offset | undefined;
  protected max: string | undefined;
  private maxTime: number; // parsed once, not once per row
  private readonly cap: number;
  private passIndex: number;
  /** a "sorted" stream checks the server's claim: once a page goes backwards the bookmark stays put to the end */
  protected ordered: boolean;
  private lastCursor = Number.NEGATIVE_INFINITY;
  private readonly emittedByEarlierPasses = new Set<unknown>();
  /** a page showed the server's order changed between requests: rows may have been skipped */
  protected distrusted = false;

  protected constructor(
    protected readonly spec: IncrementalSpec,
    protected readonly ctx: CursorContext,
    /** rows are de-duplicated across passes by the stream's primary key */
    private readonly identity: (row: Row) => unknown,
    protected readonly bookmark: string | undefined,
    saved: Offset | undefined,
  ) {
    this.key = spec.cursorField;
    this.from = filterDay(bookmark, ctx);
    this.passes = bookmark ? spec.windowFields : [spec.cursorField];
    let resume = saved;
    if (resume && (resume.from !== (this.from ?? "") || resume.page_size !== ctx.pageSize)) {
      ctx.log.info(
        `${ctx.stream}: the saved position was taken with another filter or page size; restarting from the first page`,
      );
      resume = undefined;
    }
    if (resume?.pass !== undefined && !this.passes.includes(resume.pass)) {
      // saved in a pass this read does not make (another replication method): page n of it is nothing here
      ctx.log.info(
        `${ctx.stream}: the saved position was taken in another pass; restarting from the first page`,
      );
      resume = undefined;
    }
    this.resumeAt = resume;
    this.passIndex = resume?.pass ? Math.max(0, this.passes.indexOf(resume.pass)) : 0;
    this.max = resume?.max;
    this.maxTime = toTime(this.max) ?? Number.NEGATIVE_INFINITY;
    this.cap = ctx.signpost.getTime();
    this.ordered = spec.sorted;
  }

  /** The passes left to read, in order; the first may start at the saved page. */
  *remainingPasses(): Generator<Pass> {
    for (; this.passIndex < this.passes.length; this.passIndex++) {
      const field = this.passes[this.passIndex]!;
      const resume = this.resumeAt;
      const startPage =
        resume?.pass === field || (this.passIndex === 0 && resume && !resume.pass) ? resume.page : 1;
      yield { field, startPage };
    }
  }

  /** The read goes on from a saved page (not from page 1 of its first pass). */
  get resumed(): boolean {
    const at = this.resumeAt;
    return at !== undefined && (at.page > 1 || this.passIndex > 0);
  }

  protected get pass(): string {
    return this.passes[this.passIndex]!;
  }

  /** A page of the current pass: drops rows earlier passes emitted, tracks the latest date and the order. */
  observe(page: number, rows: Row[]): Row[] {
    const { passIndex, passes } = this;
    const kept =
      passIndex > 0 ? rows.filter((r) => !this.emittedByEarlierPasses.has(this.identity(r))) : rows;
    if (passes.length > 1 && passIndex < passes.length - 1) {
      for (const r of kept) this.emittedByEarlierPasses.add(this.identity(r));
    }
    for (const row of kept) {
      // the cursor is one of the window fields of every stream so far: parsed once per row, not twice
      let cursorTime: number | undefined | null = null;
      for (const f of this.spec.windowFields) {
        const t = toTime(row[f]);
        if (f === this.key) cursorTime = t;
        if (t !== undefined && t <= this.cap && t > this.maxTime) {
          this.maxTime = t;
          this.max = row[f] as string;
        }
      }
      if (this.ordered) {
        const t = cursorTime === null ? toTime(row[this.key]) : cursorTime;
        if (t !== undefined) {
          if (t < this.lastCursor) {
            this.ordered = false;
            this.ctx.log.warn(
              `${this.ctx.stream}: rows are not sorted by ${this.key} as requested (page ${page}); the bookmark advances only when the stream completes`,
            );
          } else this.lastCursor = t;
        }
      }
    }
    return kept;
  }

  /**
   * The list's order changed between requests (a page repeated rows of pages before the previous one), so a
   * row may have been skipped: the bookmark stays where it was, and the next sync reads the window again.
   */
  distrust(): void {
    if (this.distrusted) return;
    this.distrusted = true;
    this.ordered = false;
    this.ctx.log.info(`${this.ctx.stream}: the bookmark stays where it was for the next sync`);
  }

  /** The state to save after page `page` of the current pass was emitted. */
  abstract checkpoint(page: number): StreamState;

  /** The state to save once every pass was read. */
  abstract complete(): StreamState;

  protected offset(page: number): Offset {
    return { page: page + 1, from: this.from ?? "", page_size: this.ctx.pageSize };
  }

  /** The bookmark the completed read earns (for a resumed unsorted read, see MultiPassCursor). */
  protected completeBookmark(): StreamState {
    if (this.distrusted) return bookmarkState(this.key, this.bookmark);
    return bookmarkState(this.key, laterOf(this.bookmark, this.max));
  }
}

/** FULL_TABLE of a dated list: no bookmark, the saved page of the one pass. */
export class DatedFullTableCursor extends DatedCursor {
  static resume(
    spec: IncrementalSpec,
    state: StreamState,
    ctx: CursorContext,
    identity: (row: Row) => unknown,
  ) {
    return new DatedFullTableCursor(spec, ctx, identity, undefined, state.offset);
  }

  checkpoint(page: number): StreamState {
    return { offset: this.offset(page) };
  }

  complete(): StreamState {
    return {};
  }
}

/**
 * INCREMENTAL of a list the server sorts by the cursor field: the bookmark advances after every page (no
 * position is saved, the bookmark is one), until a page shows the rows are not sorted after all; from then on
 * it stays put until the stream completes.
 */
export class SortedCursor extends DatedCursor {
  static resume(
    spec: IncrementalSpec,
    state: StreamState,
    ctx: CursorContext,
    identity: (row: Row) => unknown,
  ) {
    return new SortedCursor(spec, ctx, identity, cappedBookmark(state, ctx), undefined);
  }

  checkpoint(): StreamState {
    return bookmarkState(this.key, this.ordered ? laterOf(this.bookmark, this.max) : this.bookmark);
  }

  complete(): StreamState {
    return this.completeBookmark();
  }
}

/**
 * INCREMENTAL of an unsorted list read in several passes: the bookmark only advances when every pass
 * completed; meanwhile the position (pass, page, page size, filter day, latest date seen) is saved beside
 * the old bookmark; a resume whose filter day or page size differs starts over from page 1 of the first pass.
 */
export class MultiPassCursor extends DatedCursor {
  static resume(
    spec: IncrementalSpec,
    state: StreamState,
    ctx: CursorContext,
    identity: (row: Row) => unknown,
  ) {
    return new MultiPassCursor(spec, ctx, identity, cappedBookmark(state, ctx), state.offset);
  }

  checkpoint(page: number): StreamState {
    const offset = { pass: this.pass, ...this.offset(page), ...(this.max ? { max: this.max } : {}) };
    return { ...bookmarkState(this.key, this.bookmark), offset };
  }

  /**
   * Rows deleted before the saved page shift later rows onto pages already read: a resumed read may miss
   * them, so it keeps the old bookmark and the next sync reads the whole window again.
   */
  complete(): StreamState {
    const resume = this.resumeAt;
    const resumedMidway =
      resume !== undefined && (resume.page > 1 || (resume.pass ?? this.passes[0]) !== this.passes[0]);
    if (!resumedMidway) return this.completeBookmark();
    this.ctx.log.info(
      `${this.ctx.stream}: resumed mid-stream, so the bookmark stays where it was for the next sync`,
    );
    return bookmarkState(this.key, this.bookmark);
  }
}
