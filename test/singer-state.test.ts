import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parseSingerState } from "../src/protocol/singer-state.js";
import { captureLog, errorOf } from "./helpers/log.js";

/** src/protocol/singer-state.ts: Singer's `--state` shapes into the engine's per-stream state. */
describe("parseSingerState", () => {
  const bookmarks = {
    commissions: { replication_key_value: "2026-01-01" },
    promoters: { offset: { page: 2 } },
  };
  const expected = {
    commissions: { replication_key: "created_at", replication_key_value: "2026-01-01" },
    promoters: { offset: { page: 2 } },
  };

  it("reads `{bookmarks}` and a whole STATE message alike", () => {
    const { log } = captureLog();
    expect(parseSingerState({ bookmarks }, "s", log)).toEqual(expected);
    expect(parseSingerState({ type: "STATE", value: { bookmarks } }, "s", log)).toEqual(expected);
  });

  it("a state without bookmarks (e.g. `{}`, a first run) is no state", () => {
    const { log } = captureLog();
    expect(parseSingerState({}, "s", log)).toEqual({});
    expect(parseSingerState({ type: "STATE", value: {} }, "s", log)).toEqual({});
    expect(parseSingerState({ currently_syncing: "x" }, "s", log)).toEqual({});
  });

  it("rejects what is not an object, and bookmarks that are not one", () => {
    const { log } = captureLog();
    for (const raw of [[], "x", null, 3]) {
      const error = errorOf(() => parseSingerState(raw, "state file s.json", log));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe('state file s.json: expected a JSON object with "bookmarks"');
    }
    expect(errorOf(() => parseSingerState({ bookmarks: [] }, "s", log)).message).toBe(
      's: "bookmarks" must be an object',
    );
  });

  it("validates each stream's state (the engine's rules) and warns about unknown streams", () => {
    const { log, lines } = captureLog();
    expect(parseSingerState({ bookmarks: { nope: {} } }, "s", log)).toEqual({});
    expect(lines).toEqual(['warn s: ignoring state of unknown stream "nope"']);
    expect(
      errorOf(() => parseSingerState({ bookmarks: { commissions: { replication_key_value: 5 } } }, "s", log))
        .message,
    ).toMatch(/ISO 8601/);
  });
});
