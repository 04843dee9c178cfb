import type { JsonSchema } from "../../streams/index.js";

/** One table column: its DuckDB type and how a record's value is written into the all-VARCHAR staging table. */
export interface Column {
  name: string;
  type: string;
  /** the SQL expression that turns the staged VARCHAR into `type` */
  cast: string;
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
    const type = columnType(property);
    return { name, type, cast: `CAST(${quote(name)} AS ${type})` };
  });
  columns.push({ name: EXTRA_COLUMN, type: "JSON", cast: `CAST(${quote(EXTRA_COLUMN)} AS JSON)` });
  return columns;
}

/** A value as the staging table's VARCHAR; DuckDB's casts parse it into the column type. */
export function stageValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** `information_schema` spells some types differently from the DDL. */
export function sameType(declared: string, expected: string): boolean {
  const normal = (t: string) => (t === "TIMESTAMP WITH TIME ZONE" ? "TIMESTAMPTZ" : t);
  return normal(declared.toUpperCase()) === normal(expected);
}
