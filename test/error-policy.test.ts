import { describe, expect, it } from "vitest";
import { isRetryableStatus } from "../src/http/backoff.js";
import {
  actionFor,
  checkAdvice,
  classify,
  type ErrorAction,
  type ErrorCause,
  type ErrorContext,
  isStackOverflow,
} from "../src/http/error-policy.js";
import { HttpError } from "../src/http/http-error.js";
import { findStream, STREAMS } from "../src/streams/index.js";
import { mockAgent, testClient } from "./helpers/http.js";

type Row = [ErrorCause, ErrorContext, ErrorAction, string, RegExp];

// every row of the table: cause, context -> action, Airbyte failure type, hint
const TABLE: Row[] = [
  [
    401,
    {},
    "stop-sync",
    "config_error",
    /^authentication failed \(HTTP 401\): check api_key, and that account_id is the key's account$/,
  ],
  [401, { accountWide: true }, "stop-sync", "config_error", /check api_key/],
  [
    403,
    { accountWide: true },
    "stop-sync",
    "config_error",
    /whole account: check the API key's permissions and account_id/,
  ],
  [403, {}, "fail", "config_error", /no rights for this endpoint$/],
  [404, {}, "fail", "config_error", /^not found \(HTTP 404\): this endpoint is not available$/],
  [404, { accountWide: true }, "stop-sync", "config_error", /whole account: check account_id and base_url/],
  [404, { perParent: true }, "skip-parent", "config_error", /deleted since it was listed/],
  [408, {}, "retry", "transient_error", /HTTP 408/],
  [429, {}, "rate-limited", "transient_error", /rate limited \(HTTP 429\)/],
  [500, {}, "retry", "transient_error", /the API is failing \(HTTP 500\)/],
  [502, {}, "retry", "transient_error", /HTTP 502/],
  [503, {}, "retry", "transient_error", /HTTP 503/],
  [599, {}, "retry", "transient_error", /HTTP 599/],
  [301, {}, "fail", "config_error", /refused to follow a redirect \(HTTP 301\): check base_url/],
  [307, {}, "fail", "config_error", /HTTP 307/],
  [400, {}, "fail", "system_error", /^request rejected \(HTTP 400\)$/],
  [422, {}, "fail", "system_error", /^request rejected \(HTTP 422\)$/],
  [600, {}, "fail", "system_error", /HTTP 600/],
  ["network", {}, "retry", "transient_error", /check base_url and the network/],
  ["timeout", {}, "retry", "transient_error", /no complete response in time/],
  ["invalid_json", {}, "retry", "transient_error", /not valid JSON/],
  ["too_large", {}, "fail", "system_error", /larger than max_response_mb/],
  ["too_deep", {}, "fail", "system_error", /nested too deep/],
  ["bad_envelope", {}, "fail", "system_error", /unexpected response/],
  ["retries_exhausted", {}, "fail", "transient_error", /gave up/],
];

describe("the error table (issue 14)", () => {
  it.each(TABLE)("%s %o -> %s, %s", (cause, context, action, failureType, hint) => {
    const rule = classify(cause, context);
    expect(rule.action).toBe(action);
    expect(rule.failureType).toBe(failureType);
    expect(rule.hint).toMatch(hint);
  });

  it("no hint but the account-wide ones blames account_id (a 401 is the key's, on every endpoint)", () => {
    for (const [cause, context] of TABLE) {
      const { hint } = classify(cause, context);
      if (!context.accountWide && cause !== 401) expect(hint, String(cause)).not.toMatch(/account_id/);
    }
  });

  it("backoff retries exactly what the table retries", () => {
    for (let status = 100; status < 700; status++) {
      const action = classify(status).action;
      expect(isRetryableStatus(status), String(status)).toBe(action === "retry" || action === "rate-limited");
    }
  });

  it("a stream's override changes its action for that status, never a sync-wide stop", () => {
    expect(actionFor(classify(404), 404, { 404: "skip-stream" })).toBe("skip-stream");
    expect(actionFor(classify(404), 404, { 403: "skip-stream" })).toBe("fail");
    expect(actionFor(classify(401), 401, { 401: "skip-stream" })).toBe("stop-sync");
    expect(actionFor(classify(403, { accountWide: true }), 403, { 403: "skip-stream" })).toBe("stop-sync");
    expect(actionFor(classify("too_large"), undefined, { 404: "skip-stream" })).toBe("fail");
  });

  it("the stream table's overrides name real statuses and actions", () => {
    const overridden = STREAMS.filter((s) => s.onError);
    expect(overridden.map((s) => s.name)).toContain("custom_referral_statuses");
    expect(findStream("custom_referral_statuses")!.onError).toEqual({ 404: "skip-stream" });
    for (const s of overridden) {
      for (const [status, action] of Object.entries(s.onError!)) {
        expect(Number(status), s.name).toBeGreaterThanOrEqual(300);
        expect(["fail", "skip-stream", "skip-parent"], s.name).toContain(action);
      }
    }
  });

  it("recognises a stack overflow, and nothing else, as too deep", () => {
    let overflow: unknown;
    const recurse = (n: number): number => recurse(n + 1) + 1;
    try {
      recurse(0);
    } catch (error) {
      overflow = error;
    }
    expect(isStackOverflow(overflow)).toBe(true);
    expect(isStackOverflow(new RangeError("Invalid array length"))).toBe(false);
    expect(isStackOverflow(new Error("Maximum call stack size exceeded"))).toBe(false);
  });

  it("HttpError carries the row: failure type and hint first, then the server's detail and endpoint", () => {
    const error = HttpError.of(404, "company/webhooks?page=1", "Not Found");
    expect(error.rule.action).toBe("fail");
    expect(error.failureType).toBe("config_error");
    expect(error.status).toBe(404);
    expect(error.message).toBe(
      "not found (HTTP 404): this endpoint is not available: Not Found (GET company/webhooks?page=1)",
    );
  });
});

const API = "https://api.test";
const PROBE = "/api/v2/company/promoters?per_page=1";

describe("a 403 on the sync's first request (issue 17)", () => {
  it("is asked again of the account-wide probe; a 403 there too stops every request", async () => {
    const agent = mockAgent();
    const pool = agent.get(API);
    pool.intercept({ path: "/api/v2/company/webhooks" }).reply(403, { message: "Forbidden" });
    pool.intercept({ path: PROBE }).reply(403, { message: "Forbidden" });
    const { http } = testClient(agent);
    const first = http.getJson("company/webhooks", []);
    const others = [http.getJson("company/assets", []), http.getJson("company/rewards", [])];
    const error = (await first.catch((e: unknown) => e)) as HttpError;
    expect(error.rule.action).toBe("stop-sync");
    expect(error.message).toMatch(/whole account: check the API key's permissions and account_id/);
    for (const other of others) await expect(other).rejects.toBe(error);
    await expect(http.keyAccepted).rejects.toBe(error);
    expect(http.stats.requests).toBe(2);
    await http.close();
  });

  it("is that endpoint's alone when the probe is answered: the stream fails, the others go on", async () => {
    const agent = mockAgent();
    const pool = agent.get(API);
    pool.intercept({ path: "/api/v2/company/webhooks" }).reply(403, { message: "Forbidden" });
    pool.intercept({ path: PROBE }).reply(200, { data: [] });
    pool.intercept({ path: "/api/v2/company/assets" }).reply(200, []);
    const { http } = testClient(agent);
    const first = http.getJson("company/webhooks", []);
    const other = http.getJson("company/assets", []);
    const error = (await first.catch((e: unknown) => e)) as HttpError;
    expect(error.rule.action).toBe("fail");
    expect(error.message).toMatch(/no rights for this endpoint: Forbidden \(GET company\/webhooks\)/);
    await expect(other).resolves.toEqual([]);
    await expect(http.keyAccepted).resolves.toBeUndefined();
    expect(http.stats.requests).toBe(3);
    await http.close();
  });

  it("on the probe path itself stops the sync without a second request", async () => {
    const agent = mockAgent();
    agent.get(API).intercept({ path: PROBE }).reply(403, {});
    const { http } = testClient(agent);
    const error = (await http
      .getJson("company/promoters", [["per_page", "1"]])
      .catch((e: unknown) => e)) as HttpError;
    expect(error.rule.action).toBe("stop-sync");
    expect(http.stats.requests).toBe(1);
    await http.close();
  });

  it("later in the sync is one endpoint's: no probe, the stream fails alone", async () => {
    const agent = mockAgent();
    const pool = agent.get(API);
    pool.intercept({ path: "/api/v2/company/assets" }).reply(200, []);
    pool.intercept({ path: "/api/v2/company/webhooks" }).reply(403, {});
    const { http } = testClient(agent);
    await http.getJson("company/assets", []);
    const error = (await http.getJson("company/webhooks", []).catch((e: unknown) => e)) as HttpError;
    expect(error.rule.action).toBe("fail");
    expect(http.stats.requests).toBe(2);
    await http.close();
  });
});

describe("check's advice (issue 14)", () => {
  const base = "https://api.test/api/v2";
  it.each([
    ["auth", undefined, /rejected the API key: check api_key/],
    ["forbidden", undefined, /denied access: check the key's permissions and account_id/],
    ["not_found", undefined, /account was not found: check account_id/],
    [
      "retries_exhausted",
      "network",
      /could not reach https:\/\/api.test\/api\/v2: check base_url and the network/,
    ],
    ["retries_exhausted", "timeout", /could not reach/],
    [
      "retries_exhausted",
      503,
      /the API kept failing at https:\/\/api.test\/api\/v2: the API is failing \(HTTP 503\)/,
    ],
    ["retries_exhausted", 429, /the API kept failing at .*rate limited \(HTTP 429\)/],
    ["retries_exhausted", "invalid_json", /the API kept failing at .*not valid JSON/],
    ["redirect", undefined, /^unexpected answer from the API$/],
    ["too_large", undefined, /^unexpected answer from the API$/],
  ] as const)("%s after %s", (kind, last, advice) => {
    expect(checkAdvice(kind, last, base)).toMatch(advice);
  });

  it("blames the network or base_url only when no answer came", () => {
    for (const last of [429, 500, 503, "invalid_json"] as const) {
      expect(checkAdvice("retries_exhausted", last, base)).not.toMatch(/base_url|network/);
    }
  });
});

describe("a probe that cannot answer (issue 17)", () => {
  it("leaves the first request's 403 as that endpoint's, and lets the other requests go", async () => {
    const agent = mockAgent();
    const pool = agent.get(API);
    pool.intercept({ path: "/api/v2/company/webhooks" }).reply(403, {});
    pool.intercept({ path: PROBE }).reply(500, {}).times(4);
    const { http } = testClient(agent);
    const error = (await http.getJson("company/webhooks", []).catch((e: unknown) => e)) as HttpError;
    expect(error.status).toBe(403);
    expect(error.rule.action).toBe("fail");
    await expect(http.keyAccepted).resolves.toBeUndefined();
    await http.close();
  });
});
