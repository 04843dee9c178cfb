import { describe, expect, it } from "vitest";
import { columnsOf, columnType, stageValue } from "../src/destination/duckdb/columns.js";
import { STREAMS, schemaOf } from "../src/streams/index.js";

describe("DuckDB column types", () => {
  it("maps JSON Schema types", () => {
    expect(columnType({ type: "integer" })).toBe("BIGINT");
    expect(columnType({ type: ["number", "null"] })).toBe("DOUBLE");
    expect(columnType({ type: ["string", "null"], format: "date-time" })).toBe("TIMESTAMPTZ");
    expect(columnType({ type: "string", format: "date" })).toBe("DATE");
    expect(columnType({ type: ["boolean", "null"] })).toBe("BOOLEAN");
    expect(columnType({ type: ["object", "null"] })).toBe("JSON");
    expect(columnType({ type: ["array", "null"] })).toBe("JSON");
    expect(columnType({ type: ["integer", "string"] })).toBe("VARCHAR");
    expect(columnType({})).toBe("JSON");
  });

  it("gives every stream an _extra column and a column for each primary key", () => {
    for (const def of STREAMS) {
      const names = columnsOf(schemaOf(def)).map((c) => c.name);
      expect(names.at(-1)).toBe("_extra");
      for (const key of def.primaryKey) expect(names, def.name).toContain(key);
    }
  });

  it("stages values as text DuckDB casts back", () => {
    expect(stageValue(null)).toBeNull();
    expect(stageValue(undefined)).toBeNull();
    expect(stageValue(12)).toBe("12");
    expect(stageValue(false)).toBe("false");
    expect(stageValue({ a: [1] })).toBe('{"a":[1]}');
  });
});
