import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { airbyteCatalog, parseConfiguredCatalog } from "../src/protocol/airbyte-catalog.js";
import { findStream, STREAMS, schemaOf } from "../src/streams/index.js";
import { errorOf } from "./helpers/log.js";

/** src/protocol/airbyte-catalog.ts: the `discover` catalog, and a ConfiguredAirbyteCatalog into requests. */
describe("airbyteCatalog", () => {
  it("one AirbyteStream per table row; incremental only where there is a cursor", () => {
    const { streams } = airbyteCatalog();
    expect(streams.map((s) => s.name)).toEqual(STREAMS.map((s) => s.name));
    expect(streams.find((s) => s.name === "commissions")).toEqual({
      name: "commissions",
      json_schema: schemaOf(findStream("commissions")!),
      supported_sync_modes: ["full_refresh", "incremental"],
      source_defined_cursor: true,
      default_cursor_field: ["created_at"],
      source_defined_primary_key: [["id"]],
      is_resumable: true,
    });
    const promoters = streams.find((s) => s.name === "promoters")!;
    expect(promoters.supported_sync_modes).toEqual(["full_refresh"]);
    expect("default_cursor_field" in promoters).toBe(false);
    expect(streams.find((s) => s.name === "reports_campaigns")!.source_defined_primary_key).toEqual([
      ["window_start"],
      ["entity_id"],
      ["id"],
    ]);
  });
});

describe("parseConfiguredCatalog", () => {
  it("every listed stream is selected, its mode mapped, its fields the schema's properties", () => {
    const raw = {
      streams: [
        {
          stream: { name: "commissions", json_schema: { properties: { id: {}, amount: {} } } },
          sync_mode: "incremental",
          destination_sync_mode: "append",
        },
        { stream: { name: "promoters", json_schema: {} }, sync_mode: "full_refresh" },
        { stream: { name: "payouts" }, sync_mode: "full_refresh" },
      ],
    };
    expect(parseConfiguredCatalog(raw, "c")).toEqual([
      { name: "commissions", method: "INCREMENTAL", fields: new Set(["id", "amount"]) },
      { name: "promoters", method: "FULL_TABLE", fields: null },
      { name: "payouts", method: "FULL_TABLE", fields: null },
    ]);
  });

  it("rejects what is not a configured catalog, entries without a stream name, other sync modes", () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'c: expected a ConfiguredAirbyteCatalog with a "streams" array'],
      [[], 'c: expected a ConfiguredAirbyteCatalog with a "streams" array'],
      [{ streams: [{ sync_mode: "full_refresh" }] }, "c: streams[0] has no stream.name"],
      [{ streams: [{ stream: { name: 1 } }] }, "c: streams[0] has no stream.name"],
      [
        { streams: [{ stream: { name: "promoters" }, sync_mode: "cdc" }] },
        'c: stream "promoters" has sync_mode "cdc"; expected "full_refresh" or "incremental"',
      ],
      [
        { streams: [{ stream: { name: "promoters" } }] },
        'c: stream "promoters" has sync_mode undefined; expected "full_refresh" or "incremental"',
      ],
    ];
    for (const [raw, message] of cases) {
      const error = errorOf(() => parseConfiguredCatalog(raw, "c"));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(message);
    }
  });
});
