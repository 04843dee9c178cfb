import { describe, expect, it } from "vitest";
import { defaultRequests, resolveSelections } from "../src/engine/selection.js";
import { InputError } from "../src/errors.js";
import { STREAM_VALIDATORS } from "../src/generated/validators.js";
import { findStream, STREAMS, schemaOf } from "../src/streams/index.js";
import { errorOf } from "./helpers/log.js";

/** src/engine/selection.ts: catalog requests (either protocol's) into the selections a sync reads. */
describe("defaultRequests", () => {
  it("is the streams selected by default, in table order", () => {
    expect(defaultRequests()).toEqual(
      STREAMS.filter((s) => s.selectedByDefault).map((s) => ({ name: s.name })),
    );
    expect(defaultRequests().map((r) => r.name)).not.toContain("promoter_details");
  });
});

describe("resolveSelections", () => {
  it("a bare request: the stream's default method, every field, the shipped schema and validator", () => {
    const [commissions, promoters] = resolveSelections([{ name: "commissions" }, { name: "promoters" }], "c");
    expect(commissions!.def).toBe(findStream("commissions"));
    expect(commissions!.method).toBe("INCREMENTAL");
    expect(commissions!.fields).toBeNull();
    expect(commissions!.schema).toEqual(schemaOf(findStream("commissions")!));
    expect(commissions!.validate).toBe(STREAM_VALIDATORS.commissions);
    expect(promoters!.method).toBe("FULL_TABLE");
  });

  it("selected fields always include the primary key and the replication key; the schema is projected", () => {
    const [s] = resolveSelections([{ name: "commissions", fields: new Set(["amount"]) }], "c");
    expect(s!.fields).toEqual(new Set(["amount", "id", "created_at"]));
    expect(Object.keys(s!.schema.properties ?? {}).sort()).toEqual(["amount", "created_at", "id"]);
  });

  it("selecting every field is no projection", () => {
    const all = new Set(Object.keys(schemaOf(findStream("promoters")!).properties ?? {}));
    expect(resolveSelections([{ name: "promoters", fields: all }], "c")[0]!.fields).toBeNull();
  });

  it("a catalog's own schema is used and compiled; one equal to the shipped schema keeps the shipped validator", () => {
    const shipped = schemaOf(findStream("payouts")!);
    const same = JSON.parse(JSON.stringify(shipped));
    expect(resolveSelections([{ name: "payouts", schema: same }], "c")[0]!.validate).toBe(
      STREAM_VALIDATORS.payouts,
    );
    const own = { type: "object", properties: { id: { type: "integer" } } };
    const [s] = resolveSelections([{ name: "payouts", schema: own }], "c");
    expect(s!.schema).toEqual(own);
    expect(s!.validate).not.toBe(STREAM_VALIDATORS.payouts);
    expect(s!.validate({ id: 1 })).toBe(true);
    expect(s!.validate({ id: "x" })).toBe(false);
    // a schema without properties selects only: the shipped one stands
    expect(resolveSelections([{ name: "payouts", schema: { type: "object" } }], "c")[0]!.schema).toEqual(
      shipped,
    );
  });

  it("one clear error for an unknown stream, a stream listed twice, an impossible mode, an invalid schema", () => {
    const cases: Array<[Parameters<typeof resolveSelections>[0], RegExp]> = [
      [[{ name: "nope" }], /^c: unknown stream "nope" \(known streams: promoters, /],
      [[{ name: "payouts" }, { name: "payouts" }], /^c: stream "payouts" is listed twice$/],
      [[{ name: "promoters", method: "INCREMENTAL" }], /^c: stream "promoters" cannot sync incrementally/],
      [
        [{ name: "payouts", schema: { type: "object", properties: { id: { type: "nonsense" } } } }],
        /^c: stream "payouts" has an invalid schema: /,
      ],
    ];
    for (const [requests, message] of cases) {
      const error = errorOf(() => resolveSelections(requests, "c"));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(message);
    }
  });

  it("Airbyte: a stream the source no longer has is skipped and named, unless none is left", () => {
    const skipped: string[] = [];
    const selections = resolveSelections([{ name: "orders" }, { name: "payouts" }], "c", (n) =>
      skipped.push(n),
    );
    expect(selections.map((s) => s.def.name)).toEqual(["payouts"]);
    expect(skipped).toEqual(["orders"]);
    const error = errorOf(() => resolveSelections([{ name: "orders" }], "c", () => undefined));
    expect(error.message).toMatch(/^c: unknown stream "orders"/);
  });
});
