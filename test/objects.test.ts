import { describe, expect, it } from "vitest";
import { dig, isPlainObject, pathOf } from "../src/core/objects.js";

/** src/core/objects.ts: the object test and the dotted-path walk shared by the tap's modules. */
describe("isPlainObject", () => {
  it("is true for objects only", () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject({ a: 1 })).toBe(true);
    for (const value of [null, undefined, [], [1], "x", 1, true]) expect(isPlainObject(value)).toBe(false);
  });
});

describe("dig", () => {
  const body = { meta: { promoters_count: 12, nested: { zero: 0, none: null } }, list: [{ id: 1 }] };

  it("walks a dotted path", () => {
    expect(dig(body, pathOf("meta.promoters_count"))).toBe(12);
    expect(dig(body, pathOf("meta.nested.zero"))).toBe(0);
    expect(dig(body, pathOf("meta.nested.none"))).toBeNull();
    expect(dig(body, [])).toBe(body);
  });

  it("is undefined where a step is missing, null or not an object", () => {
    expect(dig(body, pathOf("meta.absent.deeper"))).toBeUndefined();
    expect(dig(body, pathOf("meta.nested.none.deeper"))).toBeUndefined();
    expect(dig(body, pathOf("meta.promoters_count.toFixed"))).toBeUndefined();
    expect(dig(body, pathOf("list.0"))).toBeUndefined();
    expect(dig(null, pathOf("a"))).toBeUndefined();
  });
});
