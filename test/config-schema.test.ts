import { describe, expect, expectTypeOf, it } from "vitest";
import { type Config, parseConfig, type SchemaEvolution } from "../src/config.js";
import { CONFIG_SCHEMA, type ConfigValues, type RawConfig } from "../src/config-schema.js";

/**
 * src/config-schema.ts: the config types are derived from the schema (checked by `tsc`, which runs over
 * test/), so a new key is a schema entry plus, at most, one line in config.ts' `toConfig`.
 */
describe("config types from the schema", () => {
  it("required keys are required, the rest optional, enums are their members", () => {
    expectTypeOf<RawConfig["api_key"]>().toEqualTypeOf<string>();
    expectTypeOf<RawConfig["account_id"]>().toEqualTypeOf<string>();
    expectTypeOf<RawConfig["page_size"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RawConfig["reports_group_by"]>().toEqualTypeOf<"day" | "month" | undefined>();
    expectTypeOf<{ api_key: string; account_id: string }>().toExtend<RawConfig>();
    expectTypeOf<{ account_id: string }>().not.toExtend<RawConfig>();
  });

  it("after defaults, a key with a default is always present; one without stays optional", () => {
    expectTypeOf<ConfigValues["page_size"]>().toEqualTypeOf<number>();
    expectTypeOf<ConfigValues["schema_evolution"]>().toEqualTypeOf<"evolve" | "warn" | "strict">();
    expectTypeOf<ConfigValues["start_date"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ConfigValues["user_agent"]>().toEqualTypeOf<string | undefined>();
  });

  it("Config is what the mapping returns", () => {
    expectTypeOf<Config["schemaEvolution"]>().toEqualTypeOf<SchemaEvolution>();
    expectTypeOf<Config["reportsGroupBy"]>().toEqualTypeOf<"day" | "month">();
    expectTypeOf<Config["startDate"]>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<Config["requestTimeoutMs"]>().toEqualTypeOf<number>();
  });

  it("every key with a default gets it, converted where its unit changes", () => {
    const config = parseConfig({ api_key: "k", account_id: "a" });
    const p = CONFIG_SCHEMA.properties;
    expect(config).toMatchObject({
      apiKey: "k",
      accountId: "a",
      startDate: undefined,
      lookbackDays: p.lookback_days.default,
      reportsGroupBy: p.reports_group_by.default,
      baseUrl: p.base_url.default,
      pageSize: p.page_size.default,
      requestsPerMinute: p.requests_per_minute.default,
      maxConcurrency: p.max_concurrency.default,
      requestTimeoutMs: p.request_timeout_s.default * 1000,
      maxResponseBytes: p.max_response_mb.default * 1024 * 1024,
      maxRetries: p.max_retries.default,
      backoffBaseMs: p.backoff_base_s.default * 1000,
      backoffMaxMs: p.backoff_max_s.default * 1000,
      schemaEvolution: p.schema_evolution.default,
      unknownKeys: [],
      heartbeatMs: p.heartbeat_interval_s.default * 1000,
    });
    expect(config.userAgent).toMatch(/^tap-firstpromoter\//);
  });

  it("a given value wins over the default; unknown keys are listed", () => {
    const config = parseConfig({
      api_key: "k",
      account_id: "a",
      page_size: 7,
      reports_group_by: "month",
      request_timeout_s: 2.5,
      stream_maps: {},
    });
    expect(config.pageSize).toBe(7);
    expect(config.reportsGroupBy).toBe("month");
    expect(config.requestTimeoutMs).toBe(2500);
    expect(config.unknownKeys).toEqual(["stream_maps"]);
  });
});
