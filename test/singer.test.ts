import { describe, expect, it } from "vitest";
import { resolveSelections } from "../src/engine/selection.js";
import { SingerSerializer, singerLogLine } from "../src/protocol/singer.js";
import { memoryOutput } from "./helpers/output.js";

/** src/protocol/singer.ts: engine events as Singer messages, and Singer's log lines, in process. */

const [commissions, campaigns] = resolveSelections(
  [
    { name: "commissions", method: "INCREMENTAL" },
    { name: "campaigns", method: "FULL_TABLE" },
  ],
  "test",
);

describe("SingerSerializer", () => {
  it("SCHEMA carries the key properties, and the bookmark property only for an incremental stream", () => {
    const { out, lines } = memoryOutput();
    const singer = new SingerSerializer(out, {});
    singer.emit({ type: "schema", selection: commissions! });
    singer.emit({ type: "schema", selection: campaigns! });
    const [a, b] = lines();
    expect(a).toMatchObject({ type: "SCHEMA", stream: "commissions", key_properties: ["id"] });
    expect(a!.bookmark_properties).toEqual(["created_at"]);
    expect(a!.schema).toEqual(commissions!.schema);
    expect(b).toMatchObject({ type: "SCHEMA", stream: "campaigns", key_properties: ["id"] });
    expect(b).not.toHaveProperty("bookmark_properties");
  });

  it("a page of rows is one RECORD per row, time_extracted in microseconds", () => {
    const { out, lines } = memoryOutput();
    const singer = new SingerSerializer(out, {});
    const extractedAt = Date.parse("2025-03-01T10:20:30.456Z");
    singer.emit({ type: "records", stream: "commissions", rows: [{ id: 1 }, { id: 2 }], extractedAt });
    singer.emit({ type: "records", stream: "commissions", rows: [], extractedAt });
    expect(lines()).toEqual([
      {
        type: "RECORD",
        stream: "commissions",
        record: { id: 1 },
        time_extracted: "2025-03-01T10:20:30.456000Z",
      },
      {
        type: "RECORD",
        stream: "commissions",
        record: { id: 2 },
        time_extracted: "2025-03-01T10:20:30.456000Z",
      },
    ]);
  });

  it("STATE holds every stream's bookmarks; an identical one in a row is dropped", () => {
    const { out, lines } = memoryOutput();
    const singer = new SingerSerializer(out, { campaigns: {} });
    const bookmarks = { campaigns: {}, commissions: { replication_key_value: "2025-03-01" } };
    const state = { type: "state", stream: "commissions", state: bookmarks.commissions } as const;
    singer.emit(state);
    singer.emit(state);
    expect(lines()).toEqual([{ type: "STATE", value: { bookmarks } }]);
  });

  it("keeps each stream's last state from the per-stream checkpoints, and leaves its input alone", () => {
    const { out, lines } = memoryOutput();
    const initial = { campaigns: {}, commissions: { replication_key_value: "2025-01-01" } };
    const singer = new SingerSerializer(out, initial);
    singer.emit({ type: "state", stream: "payouts", state: { offset: { page: 2 } } });
    singer.emit({ type: "state", stream: "commissions", state: { replication_key_value: "2025-03-01" } });
    expect(lines()).toEqual([
      {
        type: "STATE",
        value: {
          bookmarks: {
            campaigns: {},
            commissions: { replication_key_value: "2025-01-01" },
            payouts: { offset: { page: 2 } },
          },
        },
      },
      {
        type: "STATE",
        value: {
          bookmarks: {
            campaigns: {},
            commissions: { replication_key_value: "2025-03-01" },
            payouts: { offset: { page: 2 } },
          },
        },
      },
    ]);
    expect(initial.commissions.replication_key_value).toBe("2025-01-01");
  });

  it("finish ends the output with a STATE after the last RECORD, and adds none after a STATE", () => {
    const initial = { commissions: { replication_key_value: "2025-01-01" } };
    const { out, lines } = memoryOutput();
    const singer = new SingerSerializer(out, initial);
    singer.emit({ type: "records", stream: "commissions", rows: [{ id: 1 }], extractedAt: 0 });
    singer.finish();
    singer.finish();
    expect(lines().map((m) => m.type)).toEqual(["RECORD", "STATE"]);
    expect(lines()[1]).toEqual({ type: "STATE", value: { bookmarks: initial } });

    // the same STATE again after records: written again, a target persists only a trailing one
    singer.emit({ type: "records", stream: "commissions", rows: [{ id: 2 }], extractedAt: 0 });
    singer.finish();
    expect(lines().map((m) => m.type)).toEqual(["RECORD", "STATE", "RECORD", "STATE"]);
  });

  it("a full-table snapshot: its version on every record, ACTIVATE_VERSION once the stream completed, not before", () => {
    const { out, lines } = memoryOutput();
    const singer = new SingerSerializer(out, {});
    singer.emit({ type: "snapshot", stream: "campaigns", phase: "begin", resumed: false });
    singer.emit({ type: "snapshot", stream: "products", phase: "begin", resumed: false });
    singer.emit({ type: "records", stream: "campaigns", rows: [{ id: 1 }], extractedAt: 0 });
    singer.emit({ type: "records", stream: "products", rows: [{ id: 2 }], extractedAt: 0 });
    singer.emit({ type: "snapshot", stream: "campaigns", phase: "complete", whole: true });
    // a target acts on ACTIVATE_VERSION at once: one before the records would drop the table's rows while
    // the sync runs, and for good if it fails (products never completes here: no ACTIVATE_VERSION for it)
    const [record, other, complete, ...rest] = lines();
    expect(record).toMatchObject({ type: "RECORD", stream: "campaigns" });
    expect(complete).toEqual({ type: "ACTIVATE_VERSION", stream: "campaigns", version: record!.version });
    expect(rest).toEqual([]);
    // versions increase strictly, even within one millisecond
    expect(other!.version as number).toBeGreaterThan(record!.version as number);
  });

  it("a read that may have missed rows (whole: false) sends no ACTIVATE_VERSION: a target would drop them", () => {
    const { out, lines } = memoryOutput();
    const singer = new SingerSerializer(out, {});
    singer.emit({ type: "snapshot", stream: "campaigns", phase: "begin", resumed: false });
    singer.emit({ type: "records", stream: "campaigns", rows: [{ id: 1 }], extractedAt: 0 });
    singer.emit({ type: "snapshot", stream: "campaigns", phase: "complete", whole: false });
    expect(lines().map((m) => m.type)).toEqual(["RECORD"]);
  });

  it("a read resumed from a saved page: no version, no ACTIVATE_VERSION (its first pages went out in an earlier run)", () => {
    const { out, lines } = memoryOutput();
    const singer = new SingerSerializer(out, {});
    singer.emit({ type: "snapshot", stream: "campaigns", phase: "begin", resumed: true });
    singer.emit({ type: "records", stream: "campaigns", rows: [{ id: 3 }], extractedAt: 0 });
    singer.emit({ type: "snapshot", stream: "campaigns", phase: "complete", whole: true });
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ type: "RECORD", stream: "campaigns" });
    expect(lines()[0]).not.toHaveProperty("version");
  });
});

describe("singerLogLine", () => {
  const now = new Date("2025-03-01T00:00:00.000Z");

  it("text: ISO time, singer-python's level name, the message", () => {
    expect(singerLogLine("warn", "slow down", {}, "text", now)).toBe(
      "2025-03-01T00:00:00.000Z WARNING slow down\n",
    );
    expect(singerLogLine("fatal", "bye", {}, "text", now)).toBe("2025-03-01T00:00:00.000Z CRITICAL bye\n");
  });

  it("json: one object a line with the stream apart from the other fields", () => {
    const line = singerLogLine("info", "done", { stream: "payouts", records: 3 }, "json", now);
    expect(line.endsWith("\n")).toBe(true);
    expect(JSON.parse(line)).toEqual({
      time: "2025-03-01T00:00:00.000Z",
      level: "INFO",
      message: "done",
      stream: "payouts",
      fields: { records: 3 },
    });
    expect(JSON.parse(singerLogLine("debug", "x", {}, "json", now)).stream).toBeNull();
  });
});
