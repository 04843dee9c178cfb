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
