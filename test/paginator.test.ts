import { describe, expect, it } from "vitest";
import { paginate } from "../src/engine/paginator.js";
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
  });

  it("stops when an endpoint ignores page and repeats the previous page", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: pagePath(1) }).reply(200, rows(1, 3));
    pool.intercept({ path: pagePath(2) }).reply(200, rows(1, 3));
    const { http } = testClient(agent);
    expect(await collect(paginate(http, listRequest()))).toEqual({ ids: [1, 2, 3], pages: 1 });
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

  it("stops on a repeated page of rows that have no id", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const same = [{ promoter: { id: 1 } }, { promoter: { id: 2 } }, { promoter: { id: 3 } }];
    pool.intercept({ path: pagePath(1) }).reply(200, same);
    pool.intercept({ path: pagePath(2) }).reply(200, same);
    const { http } = testClient(agent);
    expect((await collect(paginate(http, listRequest()))).pages).toBe(1);
  });

  it("requests pages ahead once a page is full, and yields them in order", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: pagePath(1) }).reply(200, rows(1, 3));
    pool.intercept({ path: pagePath(2) }).reply(200, rows(4, 3));
    pool.intercept({ path: pagePath(3) }).reply(200, rows(7, 1));
    pool.intercept({ path: pagePath(4) }).reply(200, []);
    pool.intercept({ path: pagePath(5) }).reply(200, []);
    const { http } = testClient(agent);
    const result = await collect(paginate(http, { ...listRequest(), lookahead: 3 }));
    expect(result).toEqual({ ids: [1, 2, 3, 4, 5, 6, 7], pages: 3 });
    // the last page is 3; at most lookahead - 1 = 2 pages were requested past it
    expect(http.stats.requests).toBeLessThanOrEqual(5);
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
