import { describe, expect, it } from "vitest";
import { RecordShaper } from "../src/engine/records.js";
import { resolveSelections } from "../src/engine/selection.js";
import type { Logger } from "../src/log.js";
import { findStream, schemaOf } from "../src/streams/index.js";

function logger(lines: string[]): Logger {
  const log = {
    debug: () => {},
    info: () => {},
    warn: (m: string) => lines.push(m),
    error: () => {},
    fatal: () => {},
    enabled: () => false,
  };
  return log as unknown as Logger;
}

const campaign = (id: number, extra: Record<string, unknown> = {}) => ({ id, name: `c${id}`, ...extra });
type Props = Record<string, { type: string[]; properties?: Props }>;

describe("RecordShaper schema evolution", () => {
  it("queues an evolution at the first row beyond the schema, widens nested types, leaves the shipped schema", () => {
    const shipped = JSON.stringify(schemaOf(findStream("campaigns")!));
    const [selection] = resolveSelections([{ name: "campaigns" }], "test");
    const lines: string[] = [];
    const shaper = new RecordShaper(selection!, logger(lines), "evolve");
    const rows = shaper.shape([
      campaign(1),
      campaign(2, { brand_new: null }), // a null says nothing about the type: no evolution
      campaign(3, { stats: { revenue_amount: "12.50" } }),
      campaign(4, { stats: { revenue_amount: 5 }, tier: 2.5 }),
    ]);
    expect(rows).toHaveLength(4);
    const evolutions = shaper.takeEvolutions();
    expect(evolutions.map((e) => e.index)).toEqual([2, 3]);
    const first = evolutions[0]!.schema.properties as Props;
    expect(first.stats!.properties!.revenue_amount!.type).toEqual(["integer", "null", "string"]);
    const second = evolutions[1]!.schema.properties as Props;
    expect(second.tier!.type).toEqual(["number", "null"]);
    // never narrowed: the widened type stays
    expect(second.stats!.properties!.revenue_amount!.type).toEqual(["integer", "null", "string"]);
    expect(first.brand_new).toBeUndefined();
    expect(selection!.schema).toBe(evolutions[1]!.schema);
    expect(selection!.validate(campaign(5, { stats: { revenue_amount: "1.00" }, tier: 1 }))).toBe(true);
    expect(shaper.takeEvolutions()).toEqual([]);
    expect(JSON.stringify(schemaOf(findStream("campaigns")!))).toBe(shipped);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("stats.revenue_amount (integer|null -> integer|null|string)");
  });

  it("drops an undeclared field named like a credential, in every mode, and never adds it to the schema", () => {
    for (const mode of ["evolve", "warn", "strict"] as const) {
      const [selection] = resolveSelections([{ name: "campaigns" }], "test");
      const lines: string[] = [];
      const shaper = new RecordShaper(selection!, logger(lines), mode);
      const rows = shaper.shape([
        campaign(1, { api_key: "live_123", Password: "hunter2" }),
        campaign(2, { api_key: "live_456", ...(mode === "strict" ? {} : { apiKeyNote: "kept" }) }),
      ]);
      const text = JSON.stringify(rows);
      expect(text, mode).not.toMatch(/live_|hunter2/);
      expect(rows.map((r) => r.id)).toEqual([1, 2]);
      expect(shaper.takeEvolutions().flatMap((e) => Object.keys(e.schema.properties ?? {}))).not.toContain(
        "api_key",
      );
      expect(lines.filter((l) => l.includes("named like a credential"))).toHaveLength(2);
      if (mode === "evolve") expect(text).toContain('"apiKeyNote":"kept"');
    }
  });

  it("drops credential-named keys nested in an undeclared field, on every row after it was adopted too", () => {
    for (const mode of ["evolve", "warn"] as const) {
      const [selection] = resolveSelections([{ name: "campaigns" }], "test");
      const lines: string[] = [];
      const shaper = new RecordShaper(selection!, logger(lines), mode);
      const profile = (n: number) => ({
        name: `p${n}`,
        password: `hunter${n}`,
        nested: { deep: { api_key: `live_${n}` } },
        tokens: [{ access_token: `tok_${n}`, scope: "read" }],
      });
      const rows = shaper.shape([campaign(1, { profile: profile(1) }), campaign(2, { profile: profile(2) })]);
      // the second page, after the field was adopted into the schema (evolve) or reported (warn)
      rows.push(...shaper.shape([campaign(3, { profile: profile(3) })]));
      const text = JSON.stringify(rows);
      expect(text, mode).not.toMatch(/hunter|live_|tok_/);
      expect(text).toContain('"name":"p3"');
      expect(text).toContain('"scope":"read"');
      const dropped = lines.filter((l) => l.includes("named like a credential"));
      expect(dropped.map((l) => /dropped field "([^"]+)"/.exec(l)![1])).toEqual([
        "profile.password",
        "profile.nested.deep.api_key",
        "profile.tokens[].access_token",
      ]);
    }
  });

  it("warn mode never changes the schema and reports a field once", () => {
    const [selection] = resolveSelections([{ name: "campaigns" }], "test");
    const lines: string[] = [];
    const shaper = new RecordShaper(selection!, logger(lines), "warn");
    shaper.shape([campaign(1, { extra: 1 }), campaign(2, { extra: 2 })]);
    expect(shaper.takeEvolutions()).toEqual([]);
    expect(lines).toEqual([
      'campaigns: field "extra" is not in the schema (kept in the record; the configured catalog cannot change)',
    ]);
  });

  it("strict throws naming the field", () => {
    const [selection] = resolveSelections([{ name: "campaigns" }], "test");
    const shaper = new RecordShaper(selection!, logger([]), "strict");
    expect(() => shaper.shape([campaign(1), campaign(2, { extra: 1 })])).toThrow(
      'record 2 has field "extra" that the schema does not declare (schema_evolution is strict)',
    );
  });

  it("picked fields are declared ones: nothing to evolve", () => {
    const [selection] = resolveSelections([{ name: "campaigns", fields: new Set(["id", "name"]) }], "test");
    const shaper = new RecordShaper(selection!, logger([]), "evolve");
    expect(shaper.shape([campaign(1, { extra: 1 })])).toEqual([{ id: 1, name: "c1" }]);
    expect(shaper.takeEvolutions()).toEqual([]);
  });
});
