import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { columnsOf, columnType, fromDocument } from "../src/destination/duckdb/columns.js";
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

  describe("typed columns from a staged JSON document", () => {
    const columns = columnsOf({
      type: "object",
      properties: {
        id: { type: "integer" },
        amount: { type: ["number", "null"] },
        at: { type: ["string", "null"], format: "date-time" },
        on: { type: "string", format: "date" },
        ok: { type: ["boolean", "null"] },
        code: { type: ["integer", "string"] },
        name: { type: ["string", "null"] },
        meta: { type: ["object", "null"] },
        tags: { type: ["array", "null"] },
        any: {},
      },
    });

    async function load(docs: Array<Record<string, unknown>>, extra: string | null = null) {
      const instance = await DuckDBInstance.create(":memory:");
      const db = await instance.connect();
      try {
        await db.run("CREATE TABLE buf (_doc VARCHAR, _extra VARCHAR, _seq INTEGER)");
        for (const [i, doc] of docs.entries()) {
          await db.run("INSERT INTO buf VALUES ($doc, $extra, $seq)", {
            doc: JSON.stringify(doc),
            extra,
            seq: i,
          });
        }
        const { select, from } = fromDocument(columns);
        const result = await db.runAndReadAll(`SELECT ${select} FROM ${from("buf")} ORDER BY id`);
        return result.getRowObjectsJson();
      } finally {
        db.closeSync();
        instance.closeSync();
      }
    }

    it("casts each field to its column's type, objects and strings as valid JSON, missing or null as NULL", async () => {
      const [sparse, row] = await load([
        {
          id: 9007199254740991,
          amount: 12.5,
          at: "2024-03-01T10:20:30.123Z",
          on: "2024-03-01",
          ok: false,
          code: 42,
          name: "Ann's",
          meta: { a: [1, { b: null }] },
          tags: ["x"],
          any: "just text",
        },
        { id: 1, name: null, meta: null },
      ]);
      expect(sparse).toEqual({
        id: "1",
        amount: null,
        at: null,
        on: null,
        ok: null,
        code: null,
        name: null,
        meta: null,
        tags: null,
        any: null,
        _extra: null,
      });
      expect(row).toEqual({
        id: "9007199254740991",
        amount: 12.5,
        at: "2024-03-01 10:20:30.123+00",
        on: "2024-03-01",
        ok: false,
        code: "42",
        name: "Ann's",
        meta: '{"a":[1,{"b":null}]}',
        tags: '["x"]',
        // a string in a JSON column is a JSON string, not text that fails to parse as JSON
        any: '"just text"',
        _extra: null,
      });
    });

    it("carries the undeclared fields in _extra", async () => {
      const [row] = await load([{ id: 1 }], '{"new_field":3}');
      expect(row!._extra).toBe('{"new_field":3}');
    });

    it("fails on a value its column cannot hold, instead of loading NULL in its place", async () => {
      await expect(load([{ id: 1, at: "yesterday" }])).rejects.toThrow(/yesterday/);
      await expect(load([{ id: "one" }])).rejects.toThrow(/one/);
    });
  });
});
