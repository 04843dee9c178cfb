import { describe, expect, it } from "vitest";
import { checkPath, connect } from "../src/app/connect.js";
import { parseConfig } from "../src/config.js";
import { HttpError } from "../src/http/http-error.js";
import { createLogger, Redactor } from "../src/log.js";
import { CHECK_STREAM, findStream } from "../src/streams/index.js";
import { mockAgent } from "./helpers/http.js";

/** src/app/connect.ts: the HTTP core for a config, and the check stream's path as its account-wide probe. */
describe("checkPath", () => {
  it("is the path of the table's CHECK_STREAM, a top-level list every account has", () => {
    const def = findStream(CHECK_STREAM);
    expect(def).toBeDefined();
    expect(checkPath()).toBe(def!.path);
    expect(def!.read.kind).toBe("list");
  });
});

describe("connect", () => {
  it("a 403 on the first request is re-asked of the check stream's path; a 403 there stops the sync", async () => {
    const agent = mockAgent();
    const pool = agent.get("https://api.test");
    pool.intercept({ path: "/api/v2/company/commissions" }).reply(403, { message: "no" });
    pool.intercept({ path: `/api/v2/${checkPath()}?per_page=1` }).reply(403, { message: "no" });
    const config = parseConfig({ api_key: "k", account_id: "a", base_url: "https://api.test/api/v2" });
    const log = createLogger("error", () => undefined, new Redactor(["k"]));
    const http = connect(config, log, { dispatcher: agent, maxRetries: 0 });
    try {
      const error = (await http.getJson("company/commissions", []).catch((e: unknown) => e)) as HttpError;
      expect(error).toBeInstanceOf(HttpError);
      expect(error.rule.action).toBe("stop-sync");
      expect(http.stats.requests).toBe(2);
      agent.assertNoPendingInterceptors();
    } finally {
      await http.close();
      await agent.close();
    }
  });
});
