import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { parseIso } from "../src/dates.js";
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
