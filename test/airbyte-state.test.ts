import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parseAirbyteState } from "../src/protocol/airbyte-state.js";
import { captureLog, errorOf } from "./helpers/log.js";

/** src/protocol/airbyte-state.ts: Airbyte's `--state` (STREAM messages, LEGACY blobs) into per-stream state. */
const streamMessage = (name: string, state: unknown) => ({
  type: "STREAM",
  stream: { stream_descriptor: { name }, stream_state: state },
});

describe("parseAirbyteState", () => {
  it("reads an array of STREAM state messages, bare or wrapped in an AirbyteMessage", () => {
    const { log } = captureLog();
    const raw = [
      streamMessage("promoters", { offset: { page: 3 } }),
      { type: "STATE", state: streamMessage("commissions", { replication_key_value: "2026-01-01" }) },
    ];
    expect(parseAirbyteState(raw, "s", log)).toEqual({
      promoters: { offset: { page: 3 } },
      commissions: { replication_key: "created_at", replication_key_value: "2026-01-01" },
    });
  });

  it("a STREAM message without stream_state (or null) is the stream's empty state", () => {
    const { log } = captureLog();
    const raw = [
      { type: "STREAM", stream: { stream_descriptor: { name: "promoters" } } },
      streamMessage("payouts", null),
    ];
    expect(parseAirbyteState(raw, "s", log)).toEqual({ promoters: {}, payouts: {} });
  });

  it("reads LEGACY messages and a legacy blob, with or without `bookmarks`", () => {
    const { log } = captureLog();
    const blob = { promoters: { offset: { page: 2 } } };
    const expected = { promoters: { offset: { page: 2 } } };
    expect(parseAirbyteState([{ type: "LEGACY", data: blob }], "s", log)).toEqual(expected);
    expect(parseAirbyteState([{ type: "LEGACY", data: { bookmarks: blob } }], "s", log)).toEqual(expected);
    expect(parseAirbyteState(blob, "s", log)).toEqual(expected);
    expect(parseAirbyteState({ bookmarks: blob }, "s", log)).toEqual(expected);
  });

  it("an empty array is no state", () => {
    expect(parseAirbyteState([], "s", captureLog().log)).toEqual({});
  });

  it("rejects GLOBAL state, entries without a stream name, and what is neither array nor object", () => {
    const { log } = captureLog();
    const cases: Array<[unknown, string]> = [
      [[{ type: "GLOBAL", global: {} }], "s: GLOBAL state is not used by this source"],
      [[{ type: "STREAM" }], "s: entry 0 has no stream.stream_descriptor.name"],
      [
        [streamMessage("promoters", {}), { type: "STREAM", stream: { stream_descriptor: {} } }],
        "s: entry 1 has no stream.stream_descriptor.name",
      ],
      [[{ type: "LEGACY", data: [] }], "s: entry 0 has no stream.stream_descriptor.name"],
      [["x"], "s: entry 0 is not a state message"],
      ["x", "s: expected a JSON array of state messages"],
      [null, "s: expected a JSON array of state messages"],
    ];
    for (const [raw, message] of cases) {
      const error = errorOf(() => parseAirbyteState(raw, "s", log));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(message);
    }
  });

  it("warns about unknown streams and validates the known ones", () => {
    const { log, lines } = captureLog();
    expect(parseAirbyteState([streamMessage("nope", {})], "s", log)).toEqual({});
    expect(lines).toEqual(['warn s: ignoring state of unknown stream "nope"']);
    expect(
      errorOf(() => parseAirbyteState([streamMessage("promoters", { offset: { page: -1 } })], "s", log))
        .message,
    ).toMatch(/"offset.page"/);
  });
});
