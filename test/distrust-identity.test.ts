import { describe, expect, it } from "vitest";
import { parseJson } from "../src/http/json.js";
import { pagedList, runStream } from "./helpers/engine.js";
import { mockAgent, testClient } from "./helpers/http.js";

describe("identity (issue 14)", () => {
  it("drops records without a primary key, with a warning naming stream and count", async () => {
    const data = [{ id: 1 }, { id: null }, { name: "x" }, { id: 4 }];
    const run = await runStream({
      stream: "promo_codes",
      method: "FULL_TABLE",
      handler: pagedList(() => data),
    });
    expect(run.rows.map((r) => r.id)).toEqual([1, 4]);
    expect(
      run.lines.filter((l) => l.startsWith("warn") && /promo_codes: dropped 2 record/.test(l)),
    ).toHaveLength(1);
  });

  it("keeps integers beyond 2^53 exact and never turns a number into null", () => {
    const body = parseJson(
      '[{"id":9007199254740993,"n":"9007199254740993 in a string","x":1e400,"f":0.5},{"id":12}]',
    );
    expect(body).toEqual([
      { id: "9007199254740993", n: "9007199254740993 in a string", x: "1e400", f: 0.5 },
      { id: 12 },
    ]);
    expect(parseJson('{"s":"a\\"9007199254740993","id":-9007199254740993}')).toEqual({
      s: 'a"9007199254740993',
      id: "-9007199254740993",
    });
    expect(parseJson('{"id":9007199254740991}')).toEqual({ id: 9007199254740991 });
  });
});

describe("HttpClient bodies (issue 14)", () => {
  it("parses ids beyond 2^53 losslessly", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: "/api/v2/company/promo_codes" }).reply(200, '[{"id":9007199254740993}]');
    const { http } = testClient(agent);
    expect(await http.getJson("company/promo_codes", [])).toEqual([{ id: "9007199254740993" }]);
  });
});

describe("parseJson's fast path", () => {
  it("ignores digits inside strings (hashes, hex ids) and still catches long numbers after [ , :", () => {
    const hash = '{"avatar":"https://x/e3431ff5cd14e458ee9e2523","id":1,"n":12345678901234567}';
    expect(parseJson(hash)).toEqual({
      avatar: "https://x/e3431ff5cd14e458ee9e2523",
      id: 1,
      n: "12345678901234567",
    });
    expect(parseJson("[9007199254740993, 1e400]")).toEqual(["9007199254740993", "1e400"]);
    expect(parseJson('{"a":[1,2],"b":"1234567890123456789"}')).toEqual({
      a: [1, 2],
      b: "1234567890123456789",
    });
    // whitespace before the number, a sign, an exponent, a number on its own
    expect(parseJson('{"n": \n -12345678901234567, "e": 2.5E+400}')).toEqual({
      n: "-12345678901234567",
      e: "2.5E+400",
    });
    expect(parseJson("12345678901234567")).toBe("12345678901234567");
    // candidates that are not number tokens leave the body to JSON.parse
    expect(
      parseJson('{"h":"a1234567890123456789","w":"code404","x":"1e400 in text","f":0.12345678901234567}'),
    ).toEqual({
      h: "a1234567890123456789",
      w: "code404",
      x: "1e400 in text",
      f: Number("0.12345678901234567"),
    });
    // a candidate inside a string does not hide a real one after it; a negative exponent parses to a finite 0
    expect(parseJson('{"s":"v1e999","x":1E0400,"y":3e+999}')).toEqual({
      s: "v1e999",
      x: "1E0400",
      y: "3e+999",
    });
    expect(parseJson('{"tiny":1e-400,"ok":1.5e300}')).toEqual({ tiny: 0, ok: 1.5e300 });
  });
});
