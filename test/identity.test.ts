import { describe, expect, it } from "vitest";
import { paginate, type Row } from "../src/engine/paginator.js";
import type { HttpClient, Query } from "../src/http/client.js";
import { findStream, rowIdentity, type StreamDef } from "../src/streams/index.js";

/**
 * Rows are told apart by the table's primary key (src/streams/table.ts `rowIdentity`), not by `row.id`: the
 * paginator's repeat and loop checks and the multi-pass dedupe use it.
 */

/** A list served from `pages` (page n is pages[n-1]), without HTTP. */
function fakeHttp(pages: Row[][]): HttpClient {
  return {
    async getJson(_path: string, query: Query) {
      const page = Number(query.find(([k]) => k === "page")?.[1] ?? 1);
      return structuredClone(pages[page - 1] ?? []);
    },
    endpointOf: (path: string) => path,
  } as unknown as HttpClient;
}

const composite: StreamDef = { ...findStream("campaigns")!, primaryKey: ["account", "id"] };

describe("rowIdentity", () => {
  it("is the value of a one-field key", () => {
    expect(rowIdentity(findStream("campaigns")!)({ id: 7, name: "x" })).toBe(7);
  });

  it("joins a composite key so that no two different keys collide", () => {
    const key = rowIdentity({ ...composite, primaryKey: ["a", "b"] });
    expect(key({ a: "1,2", b: "3" })).not.toBe(key({ a: "1", b: "2,3" }));
    expect(key({ a: 1, b: 2 })).toBe(key({ b: 2, a: 1, other: "x" }));
    expect(key({ a: 1, b: 2 })).not.toBe(key({ a: "1", b: 2 }));
  });

  it("reads a key field the table derives from its path in the raw row", () => {
    // payouts_grouped_by_promoter: promoter_id is derived from promoter.id; the API's row has no promoter_id.
    // Named by nothing, its rows were keyed by their whole content (with every payout), MBs in the loop guard.
    const key = rowIdentity(findStream("payouts_grouped_by_promoter")!);
    expect(key({ promoter: { id: 5 }, payouts: [{ id: 1 }] })).toBe(5);
    expect(key({ promoter_id: 6, promoter: { id: 6 } })).toBe(6);
    expect(key({ promoter: null })).toBeUndefined();
  });

  it("names nothing when a key field is missing, so the row is compared by its content", () => {
    expect(rowIdentity(composite)({ id: 1 })).toBeUndefined();
    expect(rowIdentity(composite)({ id: 1, account: null })).toBeUndefined();
  });
});

describe("paginate by primary key", () => {
  const pages = [
    [
      { account: "a", id: 1 },
      { account: "a", id: 2 },
    ],
    [
      { account: "b", id: 1 },
      { account: "b", id: 2 },
    ],
    [],
  ];
  const request = { path: "p", query: [] as const, envelope: "array" as const, paginated: true, pageSize: 2 };

  it("rows sharing an id under another key are new rows, not the previous page repeated", async () => {
    const seen: Row[] = [];
    for await (const page of paginate(fakeHttp(pages), { ...request, identity: rowIdentity(composite) })) {
      expect(page.shifted).toBe(0);
      seen.push(...page.rows);
    }
    expect(seen.map((r) => `${r.account}${r.id}`)).toEqual(["a1", "a2", "b1", "b2"]);
  });

  it("(by id alone the second page would look like a repeat and end the list: the loss the key prevents)", async () => {
    const seen: Row[] = [];
    for await (const page of paginate(fakeHttp(pages), request)) seen.push(...page.rows);
    expect(seen.map((r) => `${r.account}${r.id}`)).toEqual(["a1", "a2"]);
  });
});
