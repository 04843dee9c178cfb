import { describe, expect, it } from "vitest";
import { readInOrder } from "../src/engine/in-order.js";
import { AHEAD_PER_FULL_PAGES, paginate } from "../src/engine/paginator.js";
import { Prefetch } from "../src/engine/prefetch.js";
import { HttpError } from "../src/http/http-error.js";
import { mockAgent, testClient } from "./helpers/http.js";

const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const pagePath = (page: number) => `/api/v2/company/referrals?page=${page}&per_page=3`;

async function collect(gen: AsyncGenerator<{ rows: Array<Record<string, unknown>> }>) {
  const ids: unknown[] = [];
  let pages = 0;
  for await (const page of gen) {
    pages++;
    ids.push(...page.rows.map((r) => r.id));
  }
  return { ids, pages };
}

function listRequest(envelope: "array" | "data" = "array") {
  return { path: "company/referrals", query: [] as const, envelope, paginated: true, pageSize: 3 };
}

describe("paginate", () => {
  it("sends auth headers and stops on a short page", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const seen: Array<Record<string, string>> = [];
    pool.intercept({ path: pagePath(1) }).reply(200, (opts) => {
      seen.push(opts.headers as Record<string, string>);
      return JSON.stringify(rows(1, 3));
    });
    pool.intercept({ path: pagePath(2) }).reply(200, rows(4, 2));
    const { http } = testClient(agent);
    expect(await collect(paginate(http, listRequest()))).toEqual({ ids: [1, 2, 3, 4, 5], pages: 2 });
    expect(seen[0]).toMatchObject({ authorization: "Bearer secret-key-123", "account-id": "acc-1" });
    agent.assertNoPendingInterceptors();
  });

  it("stops on an empty page after a full one", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: pagePath(1) }).reply(200, rows(1, 3));
    pool.intercept({ path: pagePath(2) }).reply(200, []);
    const { http } = testClient(agent);
    expect((await collect(paginate(http, listRequest()))).ids).toEqual([1, 2, 3]);
    expect(http.stats.requests).toBe(2);
  });

  it("fails, loudly, when an endpoint ignores page: a list cut short must not pass as complete", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    for (let page = 1; page <= 3; page++) pool.intercept({ path: pagePath(page) }).reply(200, rows(1, 3));
    const { http } = testClient(agent);
    const error = await collect(paginate(http, listRequest())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(String(error)).toMatch(/pages 2 and 3 repeat the rows of page 1: the API is not paginating/);
  });

  it("fails on repeated pages of rows that have no id", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const same = [{ promoter: { id: 1 } }, { promoter: { id: 2 } }, { promoter: { id: 3 } }];
    for (let page = 1; page <= 3; page++) pool.intercept({ path: pagePath(page) }).reply(200, same);
    const { http } = testClient(agent);
    await expect(collect(paginate(http, listRequest()))).rejects.toThrow(/not paginating/);
  });

  it("drops rows repeated from the previous page when the list shifts", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    // newest first; rows inserted between the requests push 4 and 3 onto page 2
    pool.intercept({ path: pagePath(1) }).reply(200, [{ id: 6 }, { id: 5 }, { id: 4 }]);
    pool.intercept({ path: pagePath(2) }).reply(200, [{ id: 4 }, { id: 3 }, { id: 2 }]);
    pool.intercept({ path: pagePath(3) }).reply(200, [{ id: 1 }]);
    const { http } = testClient(agent);
    expect((await collect(paginate(http, listRequest()))).ids).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it("goes on past one page that only repeats the previous one (a whole page inserted ahead)", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    // newest first; three rows inserted after page 1 push its rows onto page 2, and on
    pool.intercept({ path: pagePath(1) }).reply(200, [{ id: 9 }, { id: 8 }, { id: 7 }]);
    pool.intercept({ path: pagePath(2) }).reply(200, [{ id: 9 }, { id: 8 }, { id: 7 }]);
    pool.intercept({ path: pagePath(3) }).reply(200, [{ id: 6 }, { id: 5 }, { id: 4 }]);
    pool.intercept({ path: pagePath(4) }).reply(200, [{ id: 3 }]);
    const { http } = testClient(agent);
    expect((await collect(paginate(http, listRequest()))).ids).toEqual([9, 8, 7, 6, 5, 4, 3]);
  });

  it("ends on a short page that repeats the previous page's rows", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: pagePath(1) }).reply(200, rows(1, 3));
    pool.intercept({ path: pagePath(2) }).reply(200, rows(2, 2));
    const { http } = testClient(agent);
    expect(await collect(paginate(http, listRequest()))).toEqual({ ids: [1, 2, 3], pages: 1 });
  });

  it("reads a list in order once it shifts: pages answered out of order would skip the rows pushed down", async () => {
    // newest first, one row inserted at the head per answered request; even pages answer late, so a page
    // requested ahead is answered before the one it follows
    let head = 1000;
    let list = Array.from({ length: 90 }, (_, i) => ({ id: 900 - i }));
    const original = list.map((r) => r.id);
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const pageOf = (path: string) => Number(new URL(path, "https://api.test").searchParams.get("page"));
    for (const even of [true, false]) {
      pool
        .intercept({
          path: (p) => p.startsWith("/api/v2/company/referrals?") && (pageOf(p) % 2 === 0) === even,
        })
        .reply(200, (opts) => {
          const page = pageOf(opts.path);
          const body = JSON.stringify(list.slice((page - 1) * 3, page * 3));
          list = [{ id: head++ }, ...list];
          return body;
        })
        .delay(even ? 15 : 1)
        .persist();
    }
    const { http } = testClient(agent);
    const ids = (await collect(paginate(http, { ...listRequest(), prefetch: new Prefetch(http, 8) }))).ids;
    expect(original.filter((id) => !ids.includes(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("requests ahead within a long list, in order, wasting at most 1 page in AHEAD_PER_FULL_PAGES", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    // 60 full pages, then a short one: a sequential reader needs 61 requests
    for (let page = 1; page <= 60; page++)
      pool.intercept({ path: pagePath(page) }).reply(200, rows(page * 3 - 2, 3));
    pool.intercept({ path: pagePath(61) }).reply(200, rows(181, 1));
    for (let page = 62; page <= 70; page++) pool.intercept({ path: pagePath(page) }).reply(200, []);
    const { http } = testClient(agent);
    const prefetch = new Prefetch(http, 8);
    const result = await collect(paginate(http, { ...listRequest(), prefetch }));
    expect(result.pages).toBe(61);
    expect(result.ids).toEqual(rows(1, 181).map((r) => r.id));
    expect(http.stats.requests).toBeGreaterThanOrEqual(61);
    expect(http.stats.requests).toBeLessThanOrEqual(61 + Math.ceil(61 / AHEAD_PER_FULL_PAGES));
    expect(http.stats.requests - 61).toBe(http.stats.unusedAhead);
    // every page taken from the Prefetch was given back
    for (let i = 0; i < 8; i++) expect(prefetch.tryTake()).toBe(true);
  });

  it("requests nothing past the end of a short list it cannot see the end of", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: pagePath(1) }).reply(200, rows(1, 3));
    pool.intercept({ path: pagePath(2) }).reply(200, rows(4, 3));
    pool.intercept({ path: pagePath(3) }).reply(200, rows(7, 1));
    for (let page = 4; page <= 8; page++) pool.intercept({ path: pagePath(page) }).reply(200, []);
    const { http } = testClient(agent);
    const result = await collect(paginate(http, { ...listRequest(), prefetch: new Prefetch(http, 4) }));
    expect(result.pages).toBe(3);
    // before this tap asked for up to 4 pages past the end here; now only the 3 the list needs
    expect(http.stats.requests).toBe(3);
    expect(http.stats.unusedAhead).toBe(0);
  });

  it("requests ahead up to the last page the total implies, and never past it", async () => {
    for (const total of [13, 12]) {
      const agent = mockAgent();
      const pool = agent.get("https://api.test");
      const asked: number[] = [];
      const read: number[] = [];
      const pages = Math.ceil(total / 3);
      for (let page = 1; page <= 8; page++) {
        pool.intercept({ path: pagePath(page) }).reply(200, () => {
          asked.push(page);
          const n = Math.max(0, Math.min(3, total - (page - 1) * 3));
          return JSON.stringify({ data: rows((page - 1) * 3 + 1, n), meta: { total } });
        });
      }
      const { http } = testClient(agent);
      const req = { ...listRequest("data"), totalFrom: "meta.total", prefetch: new Prefetch(http, 4) };
      let askedByPage2: number[] = [];
      for await (const page of paginate(http, req)) {
        read.push(page.page);
        if (page.page === 2) askedByPage2 = [...asked];
      }
      // a full last page needs the empty page after it to show the end, as a sequential reader would
      const needed = total % 3 === 0 ? pages + 1 : pages;
      expect(read).toEqual(Array.from({ length: pages }, (_, i) => i + 1));
      expect(http.stats.requests).toBe(needed);
      expect(http.stats.unusedAhead).toBe(0);
      // the last page was asked for by the time page 2 was read: requested ahead
      expect(askedByPage2).toContain(pages);
    }
  });

  it("requests nothing ahead in a list whose server ignores per_page: each page ahead would hold as many rows", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const asked: number[] = [];
    for (let page = 1; page <= 12; page++) {
      pool.intercept({ path: pagePath(page) }).reply(200, () => {
        asked.push(page);
        // 6 rows a page for per_page 3, and a total that promises 10 pages of 3
        const n = page <= 5 ? 6 : 0;
        return JSON.stringify({ data: rows((page - 1) * 6 + 1, n), meta: { total: 30 } });
      });
    }
    const { http } = testClient(agent);
    const req = { ...listRequest("data"), totalFrom: "meta.total", prefetch: new Prefetch(http, 4) };
    const askedAt: number[] = [];
    const ids: unknown[] = [];
    for await (const page of paginate(http, req)) {
      askedAt.push(asked.length);
      ids.push(...page.rows.map((r) => r.id));
    }
    expect(ids).toEqual(rows(1, 30).map((r) => r.id));
    expect(askedAt, "one request per page read, none ahead").toEqual([1, 2, 3, 4, 5]);
    expect(http.stats.unusedAhead).toBe(0);
  });

  it("reads several lists in order with their first pages requested ahead", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const path = (list: number, page: number) =>
      `/api/v2/company/reports?window=${list}&page=${page}&per_page=3`;
    const asked: string[] = [];
    for (const list of [1, 2, 3]) {
      pool.intercept({ path: path(list, 1) }).reply(200, () => {
        asked.push(`${list}:1`);
        return JSON.stringify(list === 1 ? rows(10, 3) : rows(list * 10, 2));
      });
    }
    pool.intercept({ path: path(1, 2) }).reply(200, () => {
      asked.push("1:2");
      return JSON.stringify(rows(13, 1));
    });
    const { http } = testClient(agent);
    const prefetch = new Prefetch(http, 4);
    const requests = [1, 2, 3].map((list) => ({
      ...listRequest(),
      path: "company/reports",
      query: [["window", String(list)]] as const,
      prefetch,
    }));
    const events: string[] = [];
    const lists = requests.map((request) => paginate(http, request));
    for await (const event of readInOrder(lists, prefetch)) {
      events.push(
        "item" in event ? `${event.list}:${event.item.rows.map((r) => r.id).join(",")}` : `${event.list}:end`,
      );
    }
    expect(events).toEqual(["0:10,11,12", "0:13", "0:end", "1:20,21", "1:end", "2:30,31", "2:end"]);
    // the first pages of lists 2 and 3 were asked for before list 1 was read to its end
    expect(asked.indexOf("2:1")).toBeLessThan(asked.indexOf("1:2"));
    expect(asked.indexOf("3:1")).toBeLessThan(asked.indexOf("1:2"));
    agent.assertNoPendingInterceptors();
  });

  it("reads the {data} envelope", async () => {
    const agent = mockAgent();
    agent
      .get("https://api.test")
      .intercept({ path: pagePath(1) })
      .reply(200, { data: rows(1, 2), meta: { pending_count: 0 } });
    const { http } = testClient(agent);
    expect((await collect(paginate(http, listRequest("data")))).ids).toEqual([1, 2]);
  });

  it("reads {data, meta} from an endpoint documented as a bare array (the change /promoters made)", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: pagePath(1) }).reply(200, { data: rows(1, 3), meta: { pending_count: 0 } });
    pool.intercept({ path: pagePath(2) }).reply(200, { data: rows(4, 1), meta: { pending_count: 0 } });
    const { http } = testClient(agent);
    expect((await collect(paginate(http, listRequest("array")))).ids).toEqual([1, 2, 3, 4]);
  });

  it("fails loud when a list endpoint answers with an object", async () => {
    const agent = mockAgent();
    agent
      .get("https://api.test")
      .intercept({ path: pagePath(1) })
      .reply(200, { error: "nope" });
    const { http } = testClient(agent);
    const error = await collect(paginate(http, listRequest())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).toMatch(/expected a JSON array, got an object with keys error/);
  });
});

/** A list of `size` rows from a server that answers at most `cap` rows a page, whatever per_page asks. */
function cappedServer(size: number, cap: number) {
  const agent = mockAgent();
  const asked: number[] = [];
  agent
    .get("https://api.test")
    .intercept({ path: (p) => p.startsWith("/api/v2/company/referrals?") })
    .reply(200, (opts) => {
      const url = new URL(String(opts.path), "https://api.test");
      const page = Number(url.searchParams.get("page"));
      const perPage = Math.min(cap, Number(url.searchParams.get("per_page")));
      asked.push(page);
      return JSON.stringify(rows(1, size).slice((page - 1) * perPage, page * perPage));
    })
    .persist();
  return { agent, asked };
}

describe("paginate, a server that caps per_page", () => {
  const request = (onServerPageSize?: (size: number, asked: number, endpoint: string) => void) => ({
    ...listRequest(),
    pageSize: 100,
    onServerPageSize,
  });

  it("reads every row of a server answering its default of 20 rows a page, and says so once", async () => {
    const { agent, asked } = cappedServer(55, 20);
    const { http } = testClient(agent);
    const told: string[] = [];
    const { ids } = await collect(
      paginate(
        http,
        request((size, per, at) => told.push(`${size}/${per} ${at}`)),
      ),
    );
    expect(ids).toEqual(rows(1, 55).map((r) => r.id));
    expect(asked).toEqual([1, 2, 3]);
    expect(told).toEqual(["20/100 company/referrals?page=2"]);
  });

  it("goes on past a capped list's full last page to the empty one, and pages ahead by the server's size", async () => {
    const { agent, asked } = cappedServer(25 * 30, 25);
    const { http } = testClient(agent);
    const { ids } = await collect(paginate(http, { ...request(), prefetch: new Prefetch(http, 4) }));
    expect(ids).toHaveLength(750);
    expect(new Set(ids).size).toBe(750);
    // 30 pages with rows and the empty one; pages ahead stop at the end like for any list
    expect(Math.max(...asked)).toBeLessThanOrEqual(31 + 2);
    expect(asked.filter((p) => p <= 31).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
  });

  it("costs an honest server one request only where a list is exactly such a size, and none elsewhere", async () => {
    for (const [size, requests] of [
      [20, 2],
      [37, 1],
      [25, 2],
      [50, 1],
      [100, 2],
      [0, 1],
    ] as const) {
      const { agent, asked } = cappedServer(size, 100);
      const { http } = testClient(agent);
      const told: number[] = [];
      const { ids, pages } = await collect(
        paginate(
          http,
          request((s) => told.push(s)),
        ),
      );
      expect(ids, `list of ${size}`).toHaveLength(size);
      expect(asked, `list of ${size}`).toHaveLength(requests);
      expect(told).toEqual([]);
      expect(pages).toBe(size === 0 ? 0 : 1);
    }
  });

  it("says a short first page of such a size is not known to be the last until the next page comes", async () => {
    const { agent } = cappedServer(20, 100);
    const { http } = testClient(agent);
    const lasts: boolean[] = [];
    for await (const page of paginate(http, request())) lasts.push(page.last);
    expect(lasts).toEqual([false]);
    const short = cappedServer(7, 100);
    const lastsShort: boolean[] = [];
    for await (const page of paginate(testClient(short.agent).http, request())) lastsShort.push(page.last);
    expect(lastsShort).toEqual([true]);
  });
});

describe("paginate, what an endpoint showed about per_page", () => {
  it("confirms a short page of a default size once per endpoint: its other lists (a report's windows) trust it", async () => {
    const seen = { honoured: false };
    const request = { ...listRequest(), pageSize: 100, pageSizeSeen: seen };
    const first = cappedServer(20, 100);
    expect((await collect(paginate(testClient(first.agent).http, request))).ids).toHaveLength(20);
    expect(first.asked).toEqual([1, 2]);
    expect(seen.honoured).toBe(true);
    const second = cappedServer(20, 100);
    expect((await collect(paginate(testClient(second.agent).http, request))).ids).toHaveLength(20);
    expect(second.asked).toEqual([1]);
  });

  it("learns it from a page of more rows than any default, and never from a capped server", async () => {
    const seen = { honoured: false };
    const honest = cappedServer(30, 100);
    await collect(
      paginate(testClient(honest.agent).http, { ...listRequest(), pageSize: 100, pageSizeSeen: seen }),
    );
    expect(seen.honoured).toBe(true);
    const cappedSeen = { honoured: false };
    const capped = cappedServer(45, 20);
    const request = { ...listRequest(), pageSize: 100, pageSizeSeen: cappedSeen };
    expect((await collect(paginate(testClient(capped.agent).http, request))).ids).toHaveLength(45);
    expect(cappedSeen.honoured).toBe(false);
  });

  it("needs no confirming where the body's total says the short page is all", async () => {
    const agent = mockAgent();
    agent
      .get("https://api.test")
      .intercept({ path: "/api/v2/company/referrals?page=1&per_page=100" })
      .reply(200, { data: rows(1, 20), meta: { total: 20 } });
    const { http } = testClient(agent);
    const request = { ...listRequest("data"), pageSize: 100, totalFrom: "meta.total" };
    expect((await collect(paginate(http, request))).ids).toHaveLength(20);
    expect(http.stats.requests).toBe(1);
  });
});
