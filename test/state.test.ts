import { describe, expect, it } from "vitest";
import { normalizeBookmarks } from "../src/engine/state.js";
import { InputError } from "../src/errors.js";
import { captureLog, errorOf } from "./helpers/log.js";

/** src/engine/state.ts: a map of stream -> raw state, validated into the engine's StreamState. */
describe("normalizeBookmarks", () => {
  it("reads the singer-sdk shape and the classic `<cursor field>` shape into one", () => {
    const { log } = captureLog();
    expect(
      normalizeBookmarks(
        {
          commissions: { replication_key: "created_at", replication_key_value: "2026-01-01T00:00:00Z" },
          referrals: { created_at: "2026-02-01" },
          reports_overview: { window_start: "2026-03-01" },
        },
        "s",
        log,
      ),
    ).toEqual({
      commissions: { replication_key: "created_at", replication_key_value: "2026-01-01T00:00:00Z" },
      referrals: { replication_key: "created_at", replication_key_value: "2026-02-01" },
      reports_overview: { replication_key: "window_start", replication_key_value: "2026-03-01" },
    });
  });

  it("names the stream's own replication key, whatever key the input claimed", () => {
    const { log } = captureLog();
    const out = normalizeBookmarks(
      { commissions: { replication_key: "updated_at", replication_key_value: "2026-01-01" } },
      "s",
      log,
    );
    expect(out.commissions).toEqual({ replication_key: "created_at", replication_key_value: "2026-01-01" });
  });

  it("drops a bookmark of a stream without a replication key, keeps its offset", () => {
    const { log } = captureLog();
    expect(
      normalizeBookmarks(
        { promoters: { replication_key_value: "2026-01-01", offset: { page: 4 } } },
        "s",
        log,
      ),
    ).toEqual({ promoters: { offset: { page: 4 } } });
  });

  it("keeps the offset's known fields of the right type and nothing else", () => {
    const { log } = captureLog();
    const offset = { page: 2, pass: "created_at", max: "2026-01-02", from: "q", page_size: 50, extra: 1 };
    expect(normalizeBookmarks({ commissions: { offset } }, "s", log).commissions).toEqual({
      offset: { page: 2, pass: "created_at", max: "2026-01-02", from: "q", page_size: 50 },
    });
    const wrongTypes = { page: 2, pass: 1, max: 2, from: 3, page_size: "50" };
    expect(normalizeBookmarks({ commissions: { offset: wrongTypes } }, "s", log).commissions).toEqual({
      offset: { page: 2 },
    });
  });

  it("a null bookmark or offset is no bookmark or offset", () => {
    const { log } = captureLog();
    expect(
      normalizeBookmarks({ commissions: { replication_key_value: null, offset: null } }, "s", log),
    ).toEqual({ commissions: {} });
  });

  it("warns about and drops unknown streams", () => {
    const { log, lines } = captureLog();
    expect(normalizeBookmarks({ nope: { offset: { page: 2 } }, promoters: {} }, "state.json", log)).toEqual({
      promoters: {},
    });
    expect(lines).toEqual(['warn state.json: ignoring state of unknown stream "nope"']);
  });

  it("rejects a stream state that is not an object, a bookmark that is not an ISO date, a bad page", () => {
    const { log } = captureLog();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ promoters: [] }, /state of stream "promoters" must be an object/],
      [{ commissions: { replication_key_value: 5 } }, /must be an ISO 8601 date string, got 5/],
      [{ commissions: { created_at: "yesterday" } }, /must be an ISO 8601 date string, got "yesterday"/],
      [
        { promoters: { offset: { page: 0 } } },
        /"offset.page" of stream "promoters" must be a positive integer/,
      ],
      [{ promoters: { offset: { page: 1.5 } } }, /"offset.page"/],
      [{ promoters: { offset: 3 } }, /"offset.page"/],
    ];
    for (const [raw, message] of cases) {
      const error = errorOf(() => normalizeBookmarks(raw, "s", log));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(message);
    }
  });
});
