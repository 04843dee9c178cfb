import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import type { EngineEvent } from "../src/engine/events.js";
import { resolveSelections } from "../src/engine/selection.js";
import type { Bookmarks } from "../src/engine/state.js";
import { runSync } from "../src/engine/sync.js";
import type { HttpClient, Query, RequestTally } from "../src/http/client.js";
import { HttpError } from "../src/http/http-error.js";
import { createLogger, Redactor } from "../src/log.js";

/** src/engine/sync.ts in process: every stream's lifecycle as events, one failing stream, a rejected key. */
type Answer = (path: string, page: number) => unknown;

function fakeHttp(answer: Answer, keyAccepted: Promise<void> = Promise.resolve()) {
  const requests: string[] = [];
  const http = {
    keyAccepted,
    // counts for the caller as the real client does (`tally`: the stream's summary)
    async getJson(path: string, query: Query, _signal?: AbortSignal, tally?: RequestTally) {
      if (tally) tally.requests++;
      const page = Number(query.find(([k]) => k === "page")?.[1] ?? 1);
      requests.push(`${path}#${page}`);
      return structuredClone(answer(path, page));
    },
    endpointOf: (path: string) => path,
  } as unknown as HttpClient;
  return { http, requests };
}

async function sync(streams: string[], http: HttpClient, bookmarks: Bookmarks = {}) {
  const events: EngineEvent[] = [];
  const lines: string[] = [];
  const log = createLogger("info", (level, m) => lines.push(`${level} ${m}`), new Redactor(["k"]));
  const config = parseConfig({ api_key: "k", account_id: "a", page_size: 2 });
  const selections = resolveSelections(
    streams.map((name) => ({ name, method: "FULL_TABLE" as const })),
    "catalog",
  );
  const result = await runSync({
    config,
    http,
    selections,
    bookmarks,
    log,
    signal: new AbortController().signal,
    sink: {
      emit(event) {
        events.push(event);
        return undefined;
      },
    },
  });
  return { result, events, lines };
}

const rowsOf = (prefix: number, page: number) =>
  page === 1 ? [{ id: prefix + 1 }, { id: prefix + 2 }] : page === 2 ? [{ id: prefix + 3 }] : [];

describe("runSync", () => {
  it("sends each stream's schema first, then STARTED, RUNNING, its rows and checkpoints, COMPLETE", async () => {
    const { http } = fakeHttp((path, page) => rowsOf(path.endsWith("campaigns") ? 100 : 200, page));
    const { result, events } = await sync(["campaigns", "products"], http);
    expect(result.failures).toEqual([]);
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(["schema", "schema"]);
    for (const stream of ["campaigns", "products"]) {
      const own = events.filter((e) => "stream" in e && e.stream === stream);
      const statuses = own.flatMap((e) => (e.type === "status" ? [e.status] : []));
      expect(statuses).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
      const rows = own.flatMap((e) => (e.type === "records" ? e.rows : []));
      expect(rows.map((r) => r.id)).toEqual(stream === "campaigns" ? [101, 102, 103] : [201, 202, 203]);
      // a whole table: the snapshot brackets its rows, and the last checkpoint of a complete read is empty
      const phases = own.flatMap((e) => (e.type === "snapshot" ? [e.phase] : []));
      expect(phases).toEqual(["begin", "complete"]);
      const states = own.flatMap((e) => (e.type === "state" ? [e.state] : []));
      expect(states.at(-1)).toEqual({});
    }
    const summary = result.streams.find((s) => s.stream === "campaigns")!;
    expect(summary).toMatchObject({ outcome: "finished", records: 3, pages: 2, requests: 2 });
  });

  it("a stream that fails ends INCOMPLETE with no snapshot 'complete'; the other streams finish", async () => {
    const { http } = fakeHttp((path, page) => {
      if (path.endsWith("products") && page === 2) throw HttpError.of(500, path);
      return rowsOf(path.endsWith("campaigns") ? 100 : 200, page);
    });
    const { result, events, lines } = await sync(["campaigns", "products"], http);
    expect(result.failures.map((f) => f.stream)).toEqual(["products"]);
    const products = events.filter((e) => "stream" in e && e.stream === "products");
    expect(products.flatMap((e) => (e.type === "status" ? [e.status] : []))).toEqual([
      "STARTED",
      "RUNNING",
      "INCOMPLETE",
    ]);
    expect(products.some((e) => e.type === "snapshot" && e.phase === "complete")).toBe(false);
    expect(result.streams.find((s) => s.stream === "campaigns")!.outcome).toBe("finished");
    expect(lines.some((l) => /^error products: failed after/.test(l))).toBe(true);
  });

  it("a stream skipped on a 404 that means 'not on this account' completes with no snapshot 'complete'", async () => {
    const { http } = fakeHttp((path, page) => {
      if (path.endsWith("custom_referral_statuses")) throw HttpError.of(404, path);
      return rowsOf(100, page);
    });
    const { result, events } = await sync(["custom_referral_statuses"], http);
    expect(result.failures).toEqual([]);
    const statuses = events.flatMap((e) => (e.type === "status" ? [e.status] : []));
    expect(statuses).toEqual(["STARTED", "COMPLETE"]);
    // a destination that replaces the table on a complete snapshot must keep its rows
    const phases = events.flatMap((e) => (e.type === "snapshot" ? [e.phase] : []));
    expect(phases).toEqual(["begin"]);
  });

  it("a 404 after a stream's first page fails it: 'not on this account' holds only before anything was read", async () => {
    const { http } = fakeHttp((path, page) => {
      if (page === 2) throw HttpError.of(404, path);
      return rowsOf(100, page);
    });
    const { result, events } = await sync(["custom_referral_statuses"], http);
    expect(result.failures.map((f) => f.stream)).toEqual(["custom_referral_statuses"]);
    const statuses = events.flatMap((e) => (e.type === "status" ? [e.status] : []));
    expect(statuses).toEqual(["STARTED", "RUNNING", "INCOMPLETE"]);
    expect(events.some((e) => e.type === "snapshot" && e.phase === "complete")).toBe(false);
  });

  it("a list whose server reorders rows between requests completes, but not as the whole table: nothing gets dropped", async () => {
    const pages: Record<number, Array<{ id: number }>> = {
      1: [{ id: 1 }, { id: 2 }],
      2: [{ id: 3 }, { id: 4 }],
      // row 1 again, two pages on: not rows inserted ahead (they push rows one page on), a changed order
      3: [{ id: 1 }, { id: 5 }],
      4: [],
    };
    const { http } = fakeHttp((_path, page) => pages[page] ?? []);
    const { result, events, lines } = await sync(["campaigns"], http);
    expect(result.failures).toEqual([]);
    const phases = events.flatMap((e) =>
      e.type === "snapshot" ? [e.phase === "complete" ? `complete whole=${e.whole}` : e.phase] : [],
    );
    expect(phases).toEqual(["begin", "complete whole=false"]);
    const warnings = lines.filter((l) => l.startsWith("warn campaigns:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /page 3 repeated 1 rows of pages before the previous one: the server's order changed/,
    );
    expect(warnings[0]).toMatch(/none of the destination's are dropped/);
  });

  it("a stats snapshot (one row per sync, keyed by snapshot_at) is a history, not a table to replace", async () => {
    const { http } = fakeHttp(() => ({ data: { total: 1 } }));
    const { result, events } = await sync(["payouts_stats"], http);
    expect(result.failures).toEqual([]);
    expect(events.some((e) => e.type === "records")).toBe(true);
    expect(events.filter((e) => e.type === "snapshot")).toEqual([]);
  });

  it("a snapshot begins 'resumed' only when the read goes on from the saved page, not when it starts over", async () => {
    const begins = async (bookmarks: Bookmarks) => {
      const { http, requests } = fakeHttp((_path, page) => rowsOf(100, page));
      const { events } = await sync(["campaigns"], http, bookmarks);
      const begin = events.find((e) => e.type === "snapshot" && e.phase === "begin");
      return { resumed: begin && "resumed" in begin ? begin.resumed : undefined, first: requests[0] };
    };
    expect(await begins({})).toEqual({ resumed: false, first: "company/campaigns#1" });
    expect(await begins({ campaigns: { offset: { page: 2, page_size: 2 } } })).toEqual({
      resumed: true,
      first: "company/campaigns#2",
    });
    // saved with another page size: the cursor starts over, and the read is a whole table again
    expect(await begins({ campaigns: { offset: { page: 2, page_size: 5 } } })).toEqual({
      resumed: false,
      first: "company/campaigns#1",
    });
  });

  it("counts a page's records once written: a page whose output fails is not among those the failure line names", async () => {
    const { http } = fakeHttp((_path, page) => rowsOf(100, page));
    const lines: string[] = [];
    const log = createLogger("info", (level, m) => lines.push(`${level} ${m}`), new Redactor(["k"]));
    let pages = 0;
    const result = await runSync({
      config: parseConfig({ api_key: "k", account_id: "a", page_size: 2 }),
      http,
      selections: resolveSelections([{ name: "campaigns", method: "FULL_TABLE" }], "catalog"),
      bookmarks: {},
      log,
      signal: new AbortController().signal,
      sink: {
        emit(event) {
          // the second page cannot be serialized (a row nested too deep, a closed pipe)
          if (event.type === "records" && ++pages === 2) throw new Error("cannot serialize");
          return undefined;
        },
      },
    });
    expect(result.failures.map((f) => f.stream)).toEqual(["campaigns"]);
    expect(result.streams[0]).toMatchObject({ outcome: "failed", records: 2, pages: 1 });
    expect(lines.find((l) => l.includes("failed after"))).toMatch(/failed after 2 records, 1 pages/);
  });

  it("a rejected key stops the sync once: one failure, and no lifecycle line for any stream", async () => {
    const rejected = Promise.reject(HttpError.of(401, "company/campaigns"));
    const { http } = fakeHttp((path) => {
      throw HttpError.of(401, path);
    }, rejected);
    const { result, lines } = await sync(["campaigns", "products", "rewards"], http);
    expect(result.failures).toHaveLength(1);
    expect(lines.filter((l) => /started|finished|failed|interrupted/.test(l))).toEqual([]);
  });
});
