import { describe, expect, it } from "vitest";
import type { CursorContext } from "../src/engine/cursors/context.js";
import { DatedFullTableCursor, MultiPassCursor, SortedCursor } from "../src/engine/cursors/dated-cursor.js";
import { PageCursor } from "../src/engine/cursors/page-cursor.js";
import { ReportCursor } from "../src/engine/cursors/report-cursor.js";
import type { Row } from "../src/engine/paginator.js";
import { createLogger, Redactor } from "../src/log.js";
import { findStream, type IncrementalSpec, REPORT_CURSOR_FIELD, rowIdentity } from "../src/streams/index.js";

/**
 * src/engine/cursors/*: where each read kind starts, what it saves after a page or window and what it earns
 * when it completes, without HTTP: rows go in, StreamState comes out.
 */

const SIGNPOST = new Date("2025-06-01T12:00:00Z");

function context(over: Partial<CursorContext> = {}): CursorContext & { lines: string[] } {
  const lines: string[] = [];
  const log = createLogger("debug", (level, m) => lines.push(`${level} ${m}`), new Redactor(["k"]));
  return {
    stream: "s",
    pageSize: 10,
    startDate: undefined,
    lookbackDays: 2,
    signpost: SIGNPOST,
    log,
    lines,
    ...over,
  };
}

const byId = (row: Row) => row.id;
const SORTED: IncrementalSpec = { cursorField: "created_at", windowFields: ["created_at"], sorted: true };
const UNSORTED: IncrementalSpec = {
  cursorField: "created_at",
  windowFields: ["created_at", "customer_since"],
  sorted: false,
};
const at = (id: number, created_at: string, more: Row = {}): Row => ({ id, created_at, ...more });

describe("PageCursor (full table, parent pages)", () => {
  it("resumes at the saved page when it was counted in the same page size", () => {
    const ctx = context();
    const cursor = PageCursor.resume({ offset: { page: 4, page_size: 10 } }, ctx);
    expect(cursor.start).toBe(4);
    expect(cursor.resumed).toBe(true);
    expect(ctx.lines).toEqual([]);
  });

  it("starts over, and says so, when the saved page was counted in another page size", () => {
    const ctx = context();
    const cursor = PageCursor.resume({ offset: { page: 4, page_size: 25 } }, ctx);
    expect(cursor.start).toBe(1);
    expect(cursor.resumed).toBe(false);
    expect(ctx.lines).toEqual(["info s: the saved position was taken with another page size; starting over"]);
  });

  it("saves the page after the last one read, and nothing once complete", () => {
    const cursor = PageCursor.resume({}, context());
    expect(cursor.start).toBe(1);
    cursor.observe(1);
    expect(cursor.checkpoint()).toEqual({ offset: { page: 2, page_size: 10 } });
    cursor.observe(2);
    expect(JSON.stringify(cursor.checkpoint())).toBe('{"offset":{"page":3,"page_size":10}}');
    expect(cursor.complete()).toEqual({});
  });
});

describe("DatedFullTableCursor", () => {
  it("resumes the one pass at the saved page when filter day and page size match", () => {
    const cursor = DatedFullTableCursor.resume(
      SORTED,
      { offset: { page: 3, from: "", page_size: 10 } },
      context(),
      byId,
    );
    expect([...cursor.remainingPasses()]).toEqual([{ field: "created_at", startPage: 3 }]);
  });

  it("restarts from page 1 when the saved position was taken with another start_date", () => {
    const ctx = context({ startDate: new Date("2025-01-01T00:00:00Z") });
    const cursor = DatedFullTableCursor.resume(
      SORTED,
      { offset: { page: 3, from: "", page_size: 10 } },
      ctx,
      byId,
    );
    expect(cursor.from).toBe("2025-01-01");
    expect([...cursor.remainingPasses()]).toEqual([{ field: "created_at", startPage: 1 }]);
    expect(ctx.lines).toEqual([
      "info s: the saved position was taken with another filter or page size; restarting from the first page",
    ]);
  });

  it("says whether it resumes as it starts: a saved page of this pass yes, page 1 or another pass's page no", () => {
    const same = DatedFullTableCursor.resume(
      UNSORTED,
      { offset: { page: 3, from: "", page_size: 10 } },
      context(),
      byId,
    );
    expect(same.resumed).toBe(true);
    expect([...same.remainingPasses()][0]).toEqual({ field: "created_at", startPage: 3 });
    // saved in the customer_since pass of an incremental read: a full-table read makes only the first pass
    const ctx = context();
    const other = DatedFullTableCursor.resume(
      UNSORTED,
      { offset: { pass: "customer_since", page: 5, from: "", page_size: 10 } },
      ctx,
      byId,
    );
    expect(other.resumed).toBe(false);
    expect([...other.remainingPasses()][0]).toEqual({ field: "created_at", startPage: 1 });
    expect(ctx.lines).toEqual([
      "info s: the saved position was taken in another pass; restarting from the first page",
    ]);
    expect(DatedFullTableCursor.resume(UNSORTED, {}, context(), byId).resumed).toBe(false);
  });

  it("saves page, filter day and page size, byte for byte, and nothing once complete", () => {
    const cursor = DatedFullTableCursor.resume(SORTED, {}, context(), byId);
    for (const _ of cursor.remainingPasses()) {
      cursor.observe(1, [at(1, "2025-05-01T00:00:00Z")]);
      expect(JSON.stringify(cursor.checkpoint(1))).toBe('{"offset":{"page":2,"from":"","page_size":10}}');
    }
    expect(cursor.complete()).toEqual({});
  });
});

describe("SortedCursor", () => {
  it("advances the bookmark after each page to the newest cursor value", () => {
    const cursor = SortedCursor.resume(SORTED, {}, context(), byId);
    expect(cursor.passes).toEqual(["created_at"]);
    cursor.observe(1, [at(1, "2025-05-01T00:00:00Z"), at(2, "2025-05-02T00:00:00Z")]);
    expect(cursor.checkpoint()).toEqual({
      replication_key: "created_at",
      replication_key_value: "2025-05-02T00:00:00Z",
    });
    cursor.observe(2, [at(3, "2025-05-03T00:00:00Z")]);
    expect(cursor.checkpoint().replication_key_value).toBe("2025-05-03T00:00:00Z");
    expect(cursor.complete().replication_key_value).toBe("2025-05-03T00:00:00Z");
  });

  it("an out-of-order page stops the bookmark per page, warns once, and completes at the newest seen", () => {
    const ctx = context();
    const state = { replication_key: "created_at", replication_key_value: "2025-05-01T00:00:00Z" };
    const cursor = SortedCursor.resume(SORTED, state, ctx, byId);
    cursor.observe(1, [at(1, "2025-05-02T00:00:00Z"), at(2, "2025-05-04T00:00:00Z")]);
    expect(cursor.checkpoint().replication_key_value).toBe("2025-05-04T00:00:00Z");
    cursor.observe(2, [at(3, "2025-05-03T00:00:00Z")]);
    cursor.observe(3, [at(4, "2025-05-01T00:00:00Z"), at(5, "2025-05-05T00:00:00Z")]);
    // the page that went backwards was not read in order: the bookmark stays at the state's
    expect(cursor.checkpoint().replication_key_value).toBe("2025-05-01T00:00:00Z");
    expect(cursor.complete().replication_key_value).toBe("2025-05-05T00:00:00Z");
    expect(ctx.lines.filter((l) => l.startsWith("warn"))).toEqual([
      "warn s: rows are not sorted by created_at as requested (page 2); the bookmark advances only when the stream completes",
    ]);
  });

  it("caps a bookmark after the sync's start at the start, and filters from it minus the lookback", () => {
    const ctx = context();
    const state = { replication_key: "created_at", replication_key_value: "2099-01-01T00:00:00Z" };
    const cursor = SortedCursor.resume(SORTED, state, ctx, byId);
    expect(ctx.lines).toEqual([
      "warn s: bookmark 2099-01-01T00:00:00Z is after the sync's start; capped at 2025-06-01T12:00:00.000Z",
    ]);
    expect(cursor.from).toBe("2025-05-30");
    // nothing read: the capped value, not the future one, is written back
    expect(cursor.complete().replication_key_value).toBe("2025-06-01T12:00:00.000Z");
  });

  it("never takes a row dated after the sync's start as the bookmark", () => {
    const cursor = SortedCursor.resume(SORTED, {}, context(), byId);
    cursor.observe(1, [at(1, "2025-05-31T00:00:00Z"), at(2, "2025-06-02T00:00:00Z")]);
    expect(cursor.complete().replication_key_value).toBe("2025-05-31T00:00:00Z");
  });

  it("ignores a saved position: its bookmark is where it goes on", () => {
    const state = {
      replication_key: "created_at",
      replication_key_value: "2025-05-10T00:00:00Z",
      offset: { page: 7, from: "2025-05-08", page_size: 10 },
    };
    const cursor = SortedCursor.resume(SORTED, state, context(), byId);
    expect([...cursor.remainingPasses()]).toEqual([{ field: "created_at", startPage: 1 }]);
  });
});

describe("MultiPassCursor", () => {
  const bookmarked = { replication_key: "created_at", replication_key_value: "2025-05-10T00:00:00Z" };

  it("without a bookmark reads the creation-date pass alone and completes at the newest date seen", () => {
    const cursor = MultiPassCursor.resume(UNSORTED, {}, context(), byId);
    expect(cursor.passes).toEqual(["created_at"]);
    for (const _ of cursor.remainingPasses()) {
      cursor.observe(1, [at(1, "2025-05-02T00:00:00Z", { customer_since: "2025-05-20T00:00:00Z" })]);
      // the bookmark does not advance mid-stream: only the position (with the newest date seen) is saved
      expect(cursor.checkpoint(1)).toEqual({
        offset: { pass: "created_at", page: 2, from: "", page_size: 10, max: "2025-05-20T00:00:00Z" },
      });
    }
    expect(cursor.complete()).toEqual({
      replication_key: "created_at",
      replication_key_value: "2025-05-20T00:00:00Z",
    });
  });

  it("with a bookmark reads one pass per date field; a row an earlier pass emitted is dropped", () => {
    const cursor = MultiPassCursor.resume(UNSORTED, bookmarked, context(), byId);
    const seen: unknown[][] = [];
    for (const pass of cursor.remainingPasses()) {
      expect(pass.startPage).toBe(1);
      const page = [
        at(1, "2025-05-11T00:00:00Z"),
        at(pass.field === "created_at" ? 2 : 3, "2025-05-12T00:00:00Z"),
      ];
      seen.push(cursor.observe(1, page).map((r) => r.id));
      expect(cursor.checkpoint(1)).toEqual({
        ...bookmarked,
        offset: { pass: pass.field, page: 2, from: "2025-05-08", page_size: 10, max: "2025-05-12T00:00:00Z" },
      });
    }
    expect(seen).toEqual([[1, 2], [3]]);
    expect(cursor.complete().replication_key_value).toBe("2025-05-12T00:00:00Z");
  });

  it("dedupes across passes by the stream's primary key, composite keys included", () => {
    const def = { ...findStream("referrals")!, primaryKey: ["account", "id"] };
    const cursor = MultiPassCursor.resume(UNSORTED, bookmarked, context(), rowIdentity(def));
    const kept: unknown[][] = [];
    for (const _ of cursor.remainingPasses()) {
      kept.push(
        cursor
          .observe(1, [
            at(1, "2025-05-11T00:00:00Z", { account: "a" }),
            at(1, "2025-05-11T00:00:00Z", { account: "b" }),
          ])
          .map((r) => r.account),
      );
    }
    // same id in another account is another row; the second pass brings nothing new
    expect(kept).toEqual([["a", "b"], []]);
  });

  it("resumes the saved pass at the saved page when filter day and page size match", () => {
    const state = {
      ...bookmarked,
      offset: { pass: "customer_since", page: 3, from: "2025-05-08", page_size: 10 },
    };
    const cursor = MultiPassCursor.resume(UNSORTED, state, context(), byId);
    expect([...cursor.remainingPasses()]).toEqual([{ field: "customer_since", startPage: 3 }]);
  });

  it("a resume whose page size differs restarts from the first pass, never skips", () => {
    const ctx = context();
    const state = {
      ...bookmarked,
      offset: { pass: "customer_since", page: 3, from: "2025-05-08", page_size: 25 },
    };
    const cursor = MultiPassCursor.resume(UNSORTED, state, ctx, byId);
    expect([...cursor.remainingPasses()]).toEqual([
      { field: "created_at", startPage: 1 },
      { field: "customer_since", startPage: 1 },
    ]);
    expect(ctx.lines).toContain(
      "info s: the saved position was taken with another filter or page size; restarting from the first page",
    );
    // a restarted read is a whole read: it earns its bookmark
    expect(cursor.complete().replication_key_value).toBe("2025-05-10T00:00:00Z");
    expect(ctx.lines.some((l) => l.includes("resumed mid-stream"))).toBe(false);
  });

  it("a resume whose filter day differs (another lookback) restarts too", () => {
    const state = {
      ...bookmarked,
      offset: { pass: "created_at", page: 3, from: "2025-05-01", page_size: 10 },
    };
    const cursor = MultiPassCursor.resume(UNSORTED, state, context(), byId);
    expect([...cursor.remainingPasses()][0]).toEqual({ field: "created_at", startPage: 1 });
  });

  it("completing a read resumed mid-stream keeps the old bookmark, carrying the saved newest date no further", () => {
    const ctx = context();
    const state = {
      ...bookmarked,
      offset: { pass: "created_at", page: 2, from: "2025-05-08", page_size: 10, max: "2025-05-30T00:00:00Z" },
    };
    const cursor = MultiPassCursor.resume(UNSORTED, state, ctx, byId);
    for (const pass of cursor.remainingPasses()) {
      cursor.observe(pass.startPage, [at(9, "2025-05-11T00:00:00Z")]);
      // the newest date seen before the kill is carried in the position
      expect(cursor.checkpoint(pass.startPage).offset?.max).toBe("2025-05-30T00:00:00Z");
    }
    expect(cursor.complete()).toEqual(bookmarked);
    expect(ctx.lines).toContain(
      "info s: resumed mid-stream, so the bookmark stays where it was for the next sync",
    );
  });

  it("a resume at page 1 of the first pass is no resume mid-stream: the completed read advances the bookmark", () => {
    const state = {
      ...bookmarked,
      offset: { pass: "created_at", page: 1, from: "2025-05-08", page_size: 10 },
    };
    const cursor = MultiPassCursor.resume(UNSORTED, state, context(), byId);
    for (const _ of cursor.remainingPasses()) cursor.observe(1, [at(9, "2025-05-20T00:00:00Z")]);
    expect(cursor.complete().replication_key_value).toBe("2025-05-20T00:00:00Z");
  });
});

describe("ReportCursor", () => {
  it("INCREMENTAL starts from the bookmark minus the lookback and saves the latest window read", () => {
    const state = { replication_key: REPORT_CURSOR_FIELD, replication_key_value: "2025-05-20" };
    const cursor = ReportCursor.resume(state, context());
    expect(cursor.from.toISOString()).toBe("2025-05-18T00:00:00.000Z");
    cursor.observe("2025-05-18");
    const first = cursor.checkpoint();
    cursor.observe("2025-05-19");
    // the lookback read again: the bookmark stays, and each checkpoint still differs from the one before it
    // (Airbyte fails a sync on two equal STATEs with records between them)
    expect(cursor.checkpoint()).toEqual({
      replication_key: "window_start",
      replication_key_value: "2025-05-20",
      lookback_read_through: "2025-05-19",
    });
    expect(first).not.toEqual(cursor.checkpoint());
    cursor.observe("2025-05-20");
    expect(cursor.checkpoint()).toEqual({
      replication_key: "window_start",
      replication_key_value: "2025-05-20",
    });
    cursor.observe("2025-05-21");
    expect(cursor.checkpoint().replication_key_value).toBe("2025-05-21");
  });

  it("FULL_TABLE ignores the state and covers start_date onwards (a year back without one)", () => {
    const state = { replication_key: REPORT_CURSOR_FIELD, replication_key_value: "2025-05-20" };
    const ctx = context();
    // the state is not read at all
    expect(ReportCursor.fromStart(ctx).from.toISOString()).toBe("2024-06-01T12:00:00.000Z");
    const start = new Date("2025-02-01T00:00:00Z");
    const cursor = ReportCursor.fromStart(context({ startDate: start }));
    expect(cursor.from).toEqual(start);
    expect(cursor.checkpoint()).toEqual({});
    expect(ReportCursor.resume(state, context({ startDate: start })).from.toISOString()).toBe(
      "2025-05-18T00:00:00.000Z",
    );
  });

  it("caps a future bookmark at the sync's start", () => {
    const ctx = context({ lookbackDays: 0 });
    const cursor = ReportCursor.resume(
      { replication_key: REPORT_CURSOR_FIELD, replication_key_value: "2099-01-01" },
      ctx,
    );
    expect(cursor.from).toEqual(SIGNPOST);
    expect(cursor.checkpoint().replication_key_value).toBe(SIGNPOST.toISOString());
    expect(ctx.lines[0]).toMatch(/^warn s: bookmark 2099-01-01 is after the sync's start/);
  });
});
