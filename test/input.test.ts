import { describe, expect, it } from "vitest";
import { configFromEnv, parseConfig } from "../src/config.js";
import { resolveSelections } from "../src/engine/selection.js";
import { InputError } from "../src/errors.js";
import { STREAM_VALIDATORS } from "../src/generated/validators.js";
import { createLogger, Redactor } from "../src/log.js";
import { parseConfiguredCatalog } from "../src/protocol/airbyte-catalog.js";
import { parseAirbyteState } from "../src/protocol/airbyte-state.js";
import { parseSingerCatalog, singerCatalog } from "../src/protocol/singer-catalog.js";
import { parseSingerState } from "../src/protocol/singer-state.js";
import type { JsonSchema } from "../src/streams/index.js";

function logger() {
  const lines: string[] = [];
  return { lines, log: createLogger("debug", (l, m) => lines.push(`${l} ${m}`), new Redactor([])) };
}

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
};

describe("config", () => {
  it("applies defaults", () => {
    const c = parseConfig({ api_key: "k", account_id: "a" });
    expect(c).toMatchObject({
      baseUrl: "https://api.firstpromoter.com/api/v2",
      pageSize: 100,
      requestsPerMinute: 400,
      lookbackDays: 30,
      startDate: undefined,
    });
  });

  it("keeps unknown keys (Meltano's stream_maps, a typo) out of the config and names them", () => {
    const c = parseConfig({ api_key: "k", account_id: "a", stream_maps: {}, colour: 1 });
    expect(c.unknownKeys).toEqual(["stream_maps", "colour"]);
    expect(parseConfig({ api_key: "k", account_id: "a" }).unknownKeys).toEqual([]);
  });

  it("reads TAP_FIRSTPROMOTER_* variables, typed by the schema", () => {
    const env = {
      TAP_FIRSTPROMOTER_API_KEY: "k",
      TAP_FIRSTPROMOTER_ACCOUNT_ID: "a",
      TAP_FIRSTPROMOTER_PAGE_SIZE: "50",
      TAP_FIRSTPROMOTER_BACKOFF_BASE_S: "0.5",
      OTHER: "x",
    };
    expect(configFromEnv(env)).toEqual({ api_key: "k", account_id: "a", page_size: 50, backoff_base_s: 0.5 });
    expect(errorOf(() => configFromEnv({ TAP_FIRSTPROMOTER_PAGE_SIZE: "ten" })).message).toBe(
      'TAP_FIRSTPROMOTER_PAGE_SIZE: expected a number, got "ten"',
    );
  });

  it.each([
    [{ account_id: "a" }, 'missing required key "api_key"'],
    [{ api_key: "k", account_id: "a", start_date: "yesterday" }, '"start_date" has an invalid format'],
    [{ api_key: "k", account_id: "a", page_size: 500 }, '"page_size" must be <= 100'],
    [{ api_key: "k", account_id: "a", start_date: "2024-13-45" }, '"start_date" is not a valid date'],
    [{ api_key: "k", account_id: "a", backoff_base_s: 10_000_000 }, '"backoff_base_s" must be <= 3600'],
    [{ api_key: "k", account_id: "a", backoff_max_s: 1e9 }, '"backoff_max_s" must be <= 3600'],
    [{ api_key: "k", account_id: "a", backoff_max_s: 0 }, '"backoff_max_s" must be > 0'],
    [
      { api_key: "k", account_id: "a", backoff_base_s: 90 },
      '"backoff_base_s" (90) must be <= "backoff_max_s" (60)',
    ],
    [{ api_key: "k", account_id: "a", request_timeout_s: 1e7 }, '"request_timeout_s" must be <= 3600'],
    [{ api_key: "k", account_id: "a", request_timeout_s: -1 }, '"request_timeout_s" must be > 0'],
    [{ api_key: "k", account_id: "a", max_retries: 21 }, '"max_retries" must be <= 20'],
    [{ api_key: "k", account_id: "a", max_retries: -1 }, '"max_retries" must be >= 0'],
  ])("rejects %j with one line naming the key", (raw, message) => {
    const error = errorOf(() => parseConfig(raw, "config file c.json"));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain("\n");
  });
});

describe("state", () => {
  it("reads the singer-sdk shape and the classic field shape", () => {
    const { log } = logger();
    expect(
      parseSingerState(
        {
          bookmarks: {
            commissions: { replication_key: "created_at", replication_key_value: "2026-01-01T00:00:00Z" },
            referrals: { created_at: "2026-02-01" },
          },
        },
        "s",
        log,
      ),
    ).toEqual({
      commissions: { replication_key: "created_at", replication_key_value: "2026-01-01T00:00:00Z" },
      referrals: { replication_key: "created_at", replication_key_value: "2026-02-01" },
    });
  });

  it("ignores unknown streams with a warning and rejects malformed bookmarks", () => {
    const { log, lines } = logger();
    expect(parseSingerState({ bookmarks: { nope: {} } }, "s", log)).toEqual({});
    expect(lines[0]).toMatch(/warn .*unknown stream "nope"/);
    expect(
      errorOf(() => parseSingerState({ bookmarks: { commissions: { replication_key_value: 5 } } }, "s", log))
        .message,
    ).toMatch(/must be an ISO 8601 date string/);
    expect(errorOf(() => parseSingerState([], "s", log))).toBeInstanceOf(InputError);
  });

  it("reads Airbyte per-stream state arrays", () => {
    const { log } = logger();
    const raw = [
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "promoters" }, stream_state: { offset: { page: 3 } } },
      },
    ];
    expect(parseAirbyteState(raw, "s", log)).toEqual({ promoters: { offset: { page: 3 } } });
    expect(errorOf(() => parseAirbyteState([{ type: "STREAM" }], "s", log)).message).toMatch(
      /stream_descriptor/,
    );
  });
});

describe("catalogs", () => {
  it("selects every stream of the discovered catalog when marked selected, and defaults otherwise", () => {
    const catalog = singerCatalog() as {
      streams: Array<{ metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }> }>;
    };
    expect(parseSingerCatalog(catalog, "c").map((r) => r.name)).not.toContain("promoter_details");
    for (const s of catalog.streams) s.metadata[0]!.metadata.selected = true;
    expect(parseSingerCatalog(catalog, "c")).toHaveLength(catalog.streams.length);
  });

  it("names an unknown stream in one line", () => {
    expect(errorOf(() => resolveSelections([{ name: "nope" }], "catalog file c.json")).message).toMatch(
      /^catalog file c.json: unknown stream "nope"/,
    );
  });

  it("refuses incremental on a stream without a cursor", () => {
    expect(
      errorOf(() => resolveSelections([{ name: "promoters", method: "INCREMENTAL" }], "c")).message,
    ).toMatch(/cannot sync incrementally/);
  });

  it("rejects an invalid Airbyte sync_mode", () => {
    const raw = { streams: [{ stream: { name: "promoters" }, sync_mode: "INVALID" }] };
    expect(errorOf(() => parseConfiguredCatalog(raw, "c")).message).toMatch(/sync_mode "INVALID"/);
  });

  it("validates with the build-time validator unless the catalog changed the schema", () => {
    const entries = singerCatalog().streams as Array<{ stream: string; schema: JsonSchema }>;
    const own = entries.find((s) => s.stream === "commissions")!.schema;
    const [same] = resolveSelections([{ name: "commissions", schema: structuredClone(own) }], "c");
    expect(same!.validate).toBe(STREAM_VALIDATORS.commissions);

    const changed = structuredClone(own);
    changed.properties!.amount = { type: "string" };
    const [custom] = resolveSelections([{ name: "commissions", schema: changed }], "c");
    expect(custom!.validate).not.toBe(STREAM_VALIDATORS.commissions);
    expect(custom!.validate({ id: 1, amount: "12.50" })).toBe(true);
    expect(custom!.validate({ id: 1, amount: 1250 })).toBe(false);
  });

  it("keeps key and cursor fields when the catalog deselects them", () => {
    const [sel] = resolveSelections([{ name: "commissions", fields: new Set(["amount"]) }], "c");
    expect([...sel!.fields!].sort()).toEqual(["amount", "created_at", "id"]);
    expect(Object.keys(sel!.schema.properties!).sort()).toEqual(["amount", "created_at", "id"]);
  });
});
