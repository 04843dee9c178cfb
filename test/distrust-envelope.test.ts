import { describe, expect, it } from "vitest";
import { runStream } from "./helpers/engine.js";

const SECRET = "https://portal.example/password/setup?token=abc123";

describe("envelopes and credentials (issue 14)", () => {
  it("a detail endpoint answering {data: {...}} fails loud instead of emitting rows without id", async () => {
    const handler = (path: string) =>
      path.endsWith("promoters")
        ? { data: [{ id: 1 }] }
        : { data: { id: 1, email: "a@b.c", password_setup_url: SECRET } };
    const error = await runStream({ stream: "promoter_details", method: "FULL_TABLE", handler })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/unexpected response shape.*promoters\/1/);
  });

  it.each([
    ["null", null, /item 1 is null/],
    ["a string", "x", /item 1 is a string/],
    ["a number", 7, /item 1 is a number/],
    ["an array", [1], /item 1 is an array/],
  ])(
    "a list holding %s among its rows fails with one line naming the endpoint, not a TypeError",
    async (_what, item, message) => {
      const handler = () => ({ data: [{ id: 1 }, item] });
      const error = await runStream({ stream: "promoters", method: "FULL_TABLE", handler }).catch(
        (e: unknown) => e,
      );
      expect(String(error)).toMatch(/unexpected response shape: rows are objects/);
      expect(String(error)).toMatch(message);
      expect(String(error)).toMatch(/promoters/);
      expect(String(error)).not.toMatch(/TypeError|Cannot read/);
    },
  );

  it("a report whose sub_data holds null fails naming the endpoint and window", async () => {
    const handler = () => [
      { id: 5, campaign: { id: 5 }, data: {}, sub_data: [{ id: "2025-01-01", data: {} }, null] },
    ];
    const error = await runStream({
      stream: "reports_campaigns",
      method: "FULL_TABLE",
      handler,
      config: { start_date: "2025-01-01", reports_group_by: "month" },
      signpost: new Date("2025-01-20T00:00:00Z"),
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/sub_data periods are objects, item 1 is null/);
    expect(String(error)).toMatch(/reports\/campaigns, window 2025-01-01/);
  });

  it("drops a marked credential wherever it sits in a row, nested too", async () => {
    const handler = () => ({
      data: [
        {
          id: 1,
          password_setup_url: SECRET,
          parent_promoter: { id: 2, password_setup_url: SECRET },
          promoter_campaigns: [{ id: 3, promoter: { password_setup_url: SECRET } }],
        },
      ],
    });
    const run = await runStream({ stream: "promoters", method: "FULL_TABLE", handler });
    expect(run.rows).toHaveLength(1);
    expect(JSON.stringify(run.rows)).not.toContain("abc123");
  });
});
