import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import type { EngineEvent } from "../src/engine/events.js";
import { resolveSelections } from "../src/engine/selection.js";
import { runSync } from "../src/engine/sync.js";
import { mockAgent, testClient } from "./helpers/http.js";

const deliveries = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, event: "referral_created" }));

/** webhook_deliveries synced against `agent` with `page_size`, events to `emit`. */
async function syncDeliveries(
  agent: ReturnType<typeof mockAgent>,
  pageSize: number,
  emit: (event: EngineEvent, http: ReturnType<typeof testClient>["http"]) => void,
) {
  const { http, log } = testClient(agent);
  const config = parseConfig({
    api_key: "secret-key-123",
    account_id: "acc-1",
    base_url: "https://api.test/api/v2",
    page_size: pageSize,
  });
  const sink = {
    emit(event: EngineEvent) {
      emit(event, http);
      return undefined;
    },
  };
  return runSync({
    config,
    http,
    selections: resolveSelections([{ name: "webhook_deliveries" }], "test"),
    bookmarks: {},
    sink,
    log,
    signal: new AbortController().signal,
  });
}

describe("child streams", () => {
  it("emit a child list page by page as it is read, in parent order, not after the whole list", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const list = (path: string, page: number) => `/api/v2/company/${path}?page=${page}&per_page=2`;
    pool.intercept({ path: list("webhooks", 1) }).reply(200, [{ id: 7 }, { id: 8 }]);
    pool.intercept({ path: list("webhooks", 2) }).reply(200, []);
    pool.intercept({ path: list("webhooks/7/webhook_deliveries", 1) }).reply(200, deliveries(1, 2));
    pool.intercept({ path: list("webhooks/7/webhook_deliveries", 2) }).reply(200, deliveries(3, 2));
    pool.intercept({ path: list("webhooks/7/webhook_deliveries", 3) }).reply(200, deliveries(5, 1));
    pool.intercept({ path: list("webhooks/8/webhook_deliveries", 1) }).reply(200, deliveries(9, 1));
    const pages: Array<{ ids: unknown[]; requestsSoFar: number }> = [];
    const result = await syncDeliveries(agent, 2, (event, http) => {
      if (event.type === "records") {
        pages.push({
          ids: event.rows.map((r) => `${r.webhook_id}/${r.id}`),
          requestsSoFar: http.stats.requests,
        });
      }
    });
    expect(result.failures).toEqual([]);
    expect(pages.map((p) => p.ids)).toEqual([["7/1", "7/2"], ["7/3", "7/4"], ["7/5"], ["8/9"]]);
    // webhook 7's first page went out when only the webhooks' pages, each webhook's first page and the page
    // after each full page just answered had been asked for (1 and 2 of the webhooks, 7/1, 8/1, 7/2), not 7/3
    expect(pages[0]!.requestsSoFar).toBe(5);
  });

  async function deliveriesWhen404(ids: number[], gone: Set<number>) {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const list = (path: string, page: number) => `/api/v2/company/${path}?page=${page}&per_page=5`;
    pool.intercept({ path: list("webhooks", 1) }).reply(
      200,
      ids.map((id) => ({ id })),
    );
    for (const id of ids) {
      const path = list(`webhooks/${id}/webhook_deliveries`, 1);
      if (gone.has(id)) pool.intercept({ path }).reply(404, { message: "not found" });
      else pool.intercept({ path }).reply(200, deliveries(id * 10, 1));
    }
    const records: unknown[] = [];
    const states: unknown[] = [];
    const result = await syncDeliveries(agent, 5, (event) => {
      if (event.type === "records") records.push(...event.rows.map((r) => r.id));
      if (event.type === "state") states.push(event.state);
    });
    return { result, records, states };
  }

  it("skip a parent deleted since it was listed (404) and read the others", async () => {
    const { result, records } = await deliveriesWhen404([1, 2, 3], new Set([2]));
    expect(result.failures).toEqual([]);
    expect(records).toEqual([10, 30]);
  });

  it("fail on a 404 after a parent's first page: a child list cut short, not a deleted parent", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const list = (path: string, page: number) => `/api/v2/company/${path}?page=${page}&per_page=2`;
    pool.intercept({ path: list("webhooks", 1) }).reply(200, [{ id: 7 }]);
    pool.intercept({ path: list("webhooks/7/webhook_deliveries", 1) }).reply(200, deliveries(1, 2));
    pool.intercept({ path: list("webhooks/7/webhook_deliveries", 2) }).reply(404, { message: "not found" });
    const states: unknown[] = [];
    const result = await syncDeliveries(agent, 2, (event) => {
      if (event.type === "state") states.push(event.state);
    });
    expect(result.failures.map((f) => f.stream)).toEqual(["webhook_deliveries"]);
    expect(String(result.failures[0]!.error)).toMatch(/404/);
    expect(states, "no checkpoint past the parent whose list was cut short").toEqual([]);
  });

  it("a parent list whose order changes between pages completes, but not as the whole table", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    const list = (path: string, page: number) => `/api/v2/company/${path}?page=${page}&per_page=2`;
    pool.intercept({ path: list("webhooks", 1) }).reply(200, [{ id: 7 }, { id: 8 }]);
    pool.intercept({ path: list("webhooks", 2) }).reply(200, [{ id: 9 }, { id: 10 }]);
    // webhook 7 again, two pages on: the server's order changed, and a webhook may have been skipped
    pool.intercept({ path: list("webhooks", 3) }).reply(200, [{ id: 7 }, { id: 11 }]);
    pool.intercept({ path: list("webhooks", 4) }).reply(200, []);
    for (const id of [7, 8, 9, 10, 11]) {
      pool
        .intercept({ path: list(`webhooks/${id}/webhook_deliveries`, 1) })
        .reply(200, deliveries(id * 10, 1))
        .persist();
    }
    const phases: string[] = [];
    const result = await syncDeliveries(agent, 2, (event) => {
      if (event.type === "snapshot")
        phases.push(event.phase === "complete" ? `complete whole=${event.whole}` : event.phase);
    });
    expect(result.failures).toEqual([]);
    expect(phases).toEqual(["begin", "complete whole=false"]);
  });

  it("fail when every parent answers 404: that is the endpoint, and a table emptied by it loses every row", async () => {
    const { result, records, states } = await deliveriesWhen404([1, 2, 3], new Set([1, 2, 3]));
    expect(records).toEqual([]);
    expect(result.failures.map((f) => f.stream)).toEqual(["webhook_deliveries"]);
    expect(String(result.failures[0]!.error)).toMatch(/every one of the 3 parents read so far answered 404/);
    // no checkpoint past the parents it could not read
    expect(states).toEqual([]);
  });
});
