import type { JsonSchema } from "../../streams/index.js";

/** One table column and its DuckDB type. */
export interface Column {
  name: string;
  type: string;
}

/** Fields a record carries beyond its schema land here, as one JSON object per row. */
export const EXTRA_COLUMN = "_extra";

/**
 * JSON Schema -> DuckDB. Integers are BIGINT (FirstPromoter ids and cent amounts fit; JSON numbers past 2^53
 * are already lossy in JavaScript); `number` is DOUBLE (the API sends amounts as JSON numbers, not decimal
 * strings); `date-time` strings are TIMESTAMPTZ, `date` strings DATE; objects, arrays and mixed types are
 * JSON (a mix of scalars is VARCHAR), so nested data stays queryable with `->>` without a STRUCT that breaks when the API adds a key.
 */
const SCALARS = new Set(["integer", "number", "string", "boolean"]);

export function columnType(schema: JsonSchema): string {
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter(
    (t): t is string => typeof t === "string" && t !== "null",
  );
  // an id that is a number or a word ("account") stays as written
  if (types.length > 1 && types.every((t) => SCALARS.has(t))) return "VARCHAR";
  if (types.length !== 1) return "JSON";
  switch (types[0]) {
    case "integer":
      return "BIGINT";
    case "number":
      return "DOUBLE";
    case "boolean":
      return "BOOLEAN";
    case "string":
      if (schema.format === "date-time") return "TIMESTAMPTZ";
      if (schema.format === "date") return "DATE";
      return "VARCHAR";
    default:
      return "JSON";
  }
}

export function columnsOf(schema: JsonSchema): Column[] {
  const columns = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    return { name, type: columnType(property) };
  });
  columns.push({ name: EXTRA_COLUMN, type: "JSON" });
  return columns;
}

/**
 * The SELECT list that turns staged rows (`_doc`: the record as JSON text, `_extra`: its undeclared fields)
 * into typed columns. The document is parsed once (`from_json` into a struct: JSON columns as JSON, the rest
 * as text) and each field cast like a VARCHAR would be, so a value that does not fit its column fails the
 * load instead of turning NULL. A field the record lacks, or sends as null, is NULL.
 */
export function fromDocument(columns: Column[]): { select: string; from: (buffer: string) => string } {
  const fields = columns.filter((c) => c.name !== EXTRA_COLUMN);
  const structure = JSON.stringify(
    Object.fromEntries(fields.map((c) => [c.name, c.type === "JSON" ? "JSON" : "VARCHAR"])),
  );
  const select = columns
    .map((c) => {
      if (c.name === EXTRA_COLUMN) return `CAST(_extra AS JSON) AS ${quote(c.name)}`;
      const field = `_r.${quote(c.name)}`;
      const value = c.type === "JSON" || c.type === "VARCHAR" ? field : `CAST(${field} AS ${c.type})`;
      return `${value} AS ${quote(c.name)}`;
    })
    .join(", ");
  return {
    select,
    from: (buffer) =>
      `(SELECT from_json(_doc, ${literal(structure)}) AS _r, _extra, _seq FROM ${quote(buffer)})`,
  };
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** `information_schema` spells some types differently from the DDL. */
export function sameType(declared: string, expected: string): boolean {
  const normal = (t: string) => (t === "TIMESTAMP WITH TIME ZONE" ? "TIMESTAMPTZ" : t);
  return normal(declared.toUpperCase()) === normal(expected);
}
