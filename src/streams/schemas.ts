import { readFileSync } from "node:fs";
import type { StreamDef } from "./table.js";

export type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema> };

/** `schemas/` ships beside `src/` and `dist/`, both one level below the package root. */
const SCHEMA_DIR = new URL("../../schemas/", import.meta.url);

const cache = new Map<string, JsonSchema>();

/** The JSON Schema of one stream's records, read once from schemas/<stream>.json. */
export function schemaOf(stream: StreamDef): JsonSchema {
  let schema = cache.get(stream.name);
  if (!schema) {
    schema = JSON.parse(readFileSync(new URL(`${stream.name}.json`, SCHEMA_DIR), "utf8")) as JsonSchema;
    cache.set(stream.name, schema);
  }
  return schema;
}

/** The schema reduced to the selected top-level properties (a new object; the cached one is untouched). */
export function projectSchema(schema: JsonSchema, fields: ReadonlySet<string> | null): JsonSchema {
  if (!fields || !schema.properties) return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties).filter(([k]) => fields.has(k)));
  const required = Array.isArray(schema.required)
    ? (schema.required as string[]).filter((k) => fields.has(k))
    : undefined;
  return { ...schema, properties, ...(required ? { required } : {}) };
}
