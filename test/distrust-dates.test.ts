import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { parseIso, parseIsoByPattern } from "../src/dates.js";
import { normalizeBookmarks } from "../src/engine/state.js";
import { InputError } from "../src/errors.js";
import { createLogger, Redactor } from "../src/log.js";
import { pagedList, runStream } from "./helpers/engine.js";

const log = createLogger("debug", () => {}, new Redactor([]));

describe("strict ISO 8601 (issue 14)", () => {
  it("accepts dates and RFC 3339 timestamps", () => {
    expect(parseIso("2026-01-02")).toBe(Date.UTC(2026, 0, 2));
    expect(parseIso("2026-01-02T03:04:05Z")).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseIso("2026-01-02T03:04:05.250+01:00")).toBe(Date.UTC(2026, 0, 2, 2, 4, 5, 250));
  });
  it.each([
    "1",
    "12",
    "Tue 5",
    "+275760-09-13T00:00:00Z",
    "2026-02-30",
    "2026-13-01",
    "2026-01-01T25:00:00Z",
    "",
  ])("refuses %j", (text) => {
    expect(parseIso(text)).toBeUndefined();
    expect(() =>
      normalizeBookmarks({ commissions: { replication_key_value: text } }, "state.json", log),
    ).toThrow(/commissions/);
    expect(() => parseConfig({ api_key: "k", account_id: "a", start_date: text })).toThrow(InputError);
  });
});

describe("the API form's fast path", () => {
  // every shape the fast path reads, and each one broken in a way the regex path must still judge
  const forms = [
    "2026-01-02T03:04:05Z",
    "2026-01-02T03:04:05.1Z",
    "2026-01-02T03:04:05.250Z",
    "2026-01-02T03:04:05.123456789Z",
    "2026-01-02T03:04:05.1234567891Z",
    "2026-01-02T03:04:05",
    "2026-01-02T03:04:05.999",
    "2026-01-02T03:04:05+01:00",
    "2026-01-02T03:04:05.5-09:30",
    "2026-01-02T03:04:05+24:00",
    "2026-01-02T03:04:05+01:60",
    "2026-01-02T03:04:05+0100",
    "2026-01-02T03:04:05+01",
    "2026-01-02T03:04:05z",
    "2026-01-02 03:04:05Z",
    "2026-01-02T03:04:05.Z",
    "2026-01-02T03:04:05ZZ",
    "2026-01-02T03:04:5Z",
    "2026-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2000-02-29T12:00:00Z",
    "1900-02-29T12:00:00Z",
    "2100-02-29T12:00:00Z",
    "2400-02-29T23:59:59.999+14:00",
    "1000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999-12:00",
    "2026-04-31T00:00:00Z",
    "0999-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999Z",
    "2026-00-10T00:00:00Z",
    "2026-01-00T00:00:00Z",
    "2026-01-02T24:00:00Z",
    "2026-01-02T23:60:00Z",
    "2026-01-02T23:59:60Z",
    "2026-0a-02T03:04:05Z",
    "２026-01-02T03:04:05Z",
    "2026-01-02T03:04:05*01:00",
  ];
  it.each(forms)("%j reads as the regex path reads it", (text) => {
    expect(parseIso(text)).toBe(parseIsoByPattern(text));
  });
  it("agrees with the regex path on every instant of a sampled range, fractions and offsets included", () => {
    for (let t = Date.UTC(1000, 0, 1); t < Date.UTC(9999, 0, 1); t += 7_777_777_777) {
      const iso = new Date(t).toISOString();
      for (const text of [
        iso,
        iso.replace("Z", "+05:30"),
        iso.replace(/\.\d+Z$/, "-11:00"),
        iso.slice(0, 19),
      ])
        expect(parseIso(text), text).toBe(parseIsoByPattern(text));
    }
  });
});

describe("a bookmark in the future (issue 14)", () => {
  it("is capped at the sync's start with a warning, never written back", async () => {
    const signpost = new Date(Date.UTC(2026, 5, 1));
    const data = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, created_at: `2026-05-2${i}T00:00:00Z` }));
    const run = await runStream({
      stream: "commissions",
      handler: pagedList(() => data),
      state: { replication_key: "created_at", replication_key_value: "2099-01-01T00:00:00Z" },
      config: { lookback_days: 30 },
      signpost,
    });
    expect(run.rows).toHaveLength(5);
    expect(run.lines.some((l) => l.startsWith("warn") && /2099-01-01.*capped/.test(l))).toBe(true);
    for (const s of run.states) expect(s.replication_key_value ?? "").not.toMatch(/2099/);
  });
});
