import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parseSingerCatalog, singerCatalog } from "../src/protocol/singer-catalog.js";
import { findStream, STREAMS, schemaOf } from "../src/streams/index.js";
import { errorOf } from "./helpers/log.js";

/** src/protocol/singer-catalog.ts: the `--discover` catalog, and a Singer catalog into selection requests. */
interface Entry {
  tap_stream_id: string;
  key_properties: string[];
  replication_method: string;
  replication_key?: string;
  schema: { properties: Record<string, unknown> };
  metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }>;
}
const discovered = () => singerCatalog().streams as Entry[];
const entry = (name: string) => discovered().find((e) => e.tap_stream_id === name)!;

describe("singerCatalog", () => {
  it("lists every stream of the table with its schema and keys", () => {
    const streams = discovered();
    expect(streams.map((s) => s.tap_stream_id)).toEqual(STREAMS.map((s) => s.name));
    const commissions = entry("commissions");
    expect(commissions.schema).toEqual(schemaOf(findStream("commissions")!));
    expect(commissions.key_properties).toEqual(["id"]);
    expect(commissions.replication_method).toBe("INCREMENTAL");
    expect(commissions.replication_key).toBe("created_at");
  });

  it("stream metadata: replication key and method, or a forced FULL_TABLE; key fields automatic", () => {
    const [root, ...fields] = entry("commissions").metadata;
    expect(root).toEqual({
      breadcrumb: [],
      metadata: {
        inclusion: "available",
        "selected-by-default": true,
        "table-key-properties": ["id"],
        "valid-replication-keys": ["created_at"],
        "replication-method": "INCREMENTAL",
        "replication-key": "created_at",
      },
    });
    const inclusion = Object.fromEntries(fields.map((f) => [f.breadcrumb[1], f.metadata.inclusion]));
    expect(inclusion.id).toBe("automatic");
    expect(inclusion.created_at).toBe("automatic");
    expect(Object.values(inclusion).filter((i) => i === "automatic")).toHaveLength(2);
    const promoters = entry("promoters").metadata[0]!.metadata;
    expect(promoters["forced-replication-method"]).toBe("FULL_TABLE");
    expect(promoters["replication-key"]).toBeUndefined();
    expect(entry("promoter_details").metadata[0]!.metadata["selected-by-default"]).toBe(false);
  });
});

describe("parseSingerCatalog", () => {
  it("`selected` wins, then `selected-by-default`, then the stream's own default", () => {
    const catalog = { streams: discovered() };
    const names = () => parseSingerCatalog(catalog, "c").map((r) => r.name);
    expect(names()).toEqual(STREAMS.filter((s) => s.selectedByDefault).map((s) => s.name));
    const promoters = catalog.streams.find((e) => e.tap_stream_id === "promoters")!;
    promoters.metadata[0]!.metadata.selected = false;
    expect(names()).not.toContain("promoters");
    const details = catalog.streams.find((e) => e.tap_stream_id === "promoter_details")!;
    details.metadata[0]!.metadata.selected = true;
    expect(names()).toContain("promoter_details");
    // no metadata at all: the stream's default from the table
    expect(parseSingerCatalog({ streams: [{ tap_stream_id: "promoter_details" }] }, "c")).toEqual([]);
    expect(parseSingerCatalog({ streams: [{ stream: "promoters" }] }, "c").map((r) => r.name)).toEqual([
      "promoters",
    ]);
  });

  it("reads the replication method from metadata, else the entry; fields deselected, automatic kept", () => {
    const raw = {
      streams: [
        {
          tap_stream_id: "commissions",
          replication_method: "INCREMENTAL",
          schema: { type: "object", properties: { id: {}, amount: {} } },
          metadata: [
            { breadcrumb: [], metadata: { selected: true, "replication-method": "FULL_TABLE" } },
            { breadcrumb: ["properties", "id"], metadata: { inclusion: "automatic", selected: false } },
            { breadcrumb: ["properties", "amount"], metadata: { selected: false } },
            { breadcrumb: ["properties", "status"], metadata: { selected: true } },
            { breadcrumb: ["properties", "note"], metadata: { inclusion: "unsupported" } },
          ],
        },
        { tap_stream_id: "referrals", selected: true, replication_method: "INCREMENTAL" },
      ],
    };
    const [commissions, referrals] = parseSingerCatalog(raw, "c");
    expect(commissions).toEqual({
      name: "commissions",
      method: "FULL_TABLE",
      fields: new Set(["id", "status"]),
      schema: raw.streams[0]!.schema,
    });
    expect(referrals).toEqual({ name: "referrals", method: "INCREMENTAL", fields: null, schema: undefined });
  });

  it("rejects what is not a catalog, entries without a name, unknown replication methods", () => {
    const cases: Array<[unknown, string]> = [
      [[], 'c: expected a JSON object with a "streams" array'],
      [{ streams: {} }, 'c: expected a JSON object with a "streams" array'],
      [{ streams: [1] }, "c: streams[0] is not an object"],
      [{ streams: [{ selected: true }] }, 'c: streams[0] has no "tap_stream_id"'],
      [
        { streams: [{ tap_stream_id: "promoters", selected: true, replication_method: "LOG_BASED" }] },
        'c: stream "promoters" has unsupported replication method "LOG_BASED"',
      ],
    ];
    for (const [raw, message] of cases) {
      const error = errorOf(() => parseSingerCatalog(raw, "c"));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(message);
    }
  });
});
