import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { createAjv } from "../src/ajv.js";
import { STREAM_VALIDATORS } from "../src/generated/validators.js";
import { STREAMS } from "../src/streams/index.js";

// ajv-formats is CommonJS: under NodeNext the default import is typed as the module namespace, while at runtime
// it is the plugin function itself (which also carries `.default`). `.default` works in both worlds.
const addFormats = addFormatsModule.default;

const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const FORBIDDEN = [
  "$ref",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "patternProperties",
  "if",
  "then",
  "else",
  "enum",
];

function schemaPath(name: string): string {
  return join(SCHEMA_DIR, `${name}.json`);
}

function loadSchema(name: string): JsonObject {
  return JSON.parse(readFileSync(schemaPath(name), "utf8")) as JsonObject;
}

function typesOf(node: JsonObject): string[] {
  const t = node.type;
  if (typeof t === "string") return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string");
  return [];
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Walks every schema node (the root, every `properties` value, every `items`), reporting problems. */
function lint(node: JsonObject, path: string, problems: string[]): void {
  for (const key of FORBIDDEN) {
    if (key in node) problems.push(`${path}: forbidden keyword ${key}`);
  }
  if ("additionalProperties" in node && node.additionalProperties !== true) {
    problems.push(`${path}: additionalProperties other than true`);
  }
  const types = typesOf(node);
  if (types.length === 0) problems.push(`${path}: no type`);
  if (types.includes("object")) {
    if (!isObject(node.properties)) problems.push(`${path}: object without properties`);
  }
  if (types.includes("array")) {
    if (!isObject(node.items)) problems.push(`${path}: array without items`);
    else if (typesOf(node.items).length === 0) problems.push(`${path}: array items without type`);
  }
  if (isObject(node.properties)) {
    for (const [key, child] of Object.entries(node.properties)) {
      if (isObject(child)) lint(child, `${path}.${key}`, problems);
      else problems.push(`${path}.${key}: not a schema object`);
    }
  }
  if (isObject(node.items)) lint(node.items, `${path}[]`, problems);
}

/** Every keyword used anywhere in the document (property names under `properties` are names, not keywords). */
function keywordsAnywhere(value: Json, out: Set<string>, underProperties = false): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) keywordsAnywhere(v, out);
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (!underProperties) out.add(key);
      keywordsAnywhere(child, out, !underProperties && key === "properties");
    }
  }
  return out;
}

function newAjv(): Ajv {
  // allowUnionTypes: the conventions use ["string", "integer"] for report ids, which strict mode otherwise rejects
  // (nullable pairs like ["string", "null"] are allowed without it).
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

describe("the build-time validators", () => {
  it("are ASCII and embed the schemas without their annotations (the module's source stays in the heap)", () => {
    const code = readFileSync(new URL("../src/generated/validators.js", import.meta.url), "utf8");
    // one non-ASCII character makes V8 keep the whole source at two bytes a character
    expect(code.match(/[^\x20-\x7e\n]/g) ?? []).toEqual([]);
    // a record field named `description` is a property, not an annotation
    expect(code).not.toMatch(/"description":"/);
    expect(code).toMatch(/"description":\{"type"/);
  });
});

describe("stream schemas", () => {
  it("has exactly one schema file per stream", () => {
    const files = readdirSync(SCHEMA_DIR)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -".json".length))
      .sort();
    expect(files).toEqual(STREAMS.map((s) => s.name).sort());
  });

  for (const stream of STREAMS) {
    describe(stream.name, () => {
      it("exists", () => {
        expect(existsSync(schemaPath(stream.name))).toBe(true);
      });

      it("compiles with Ajv strict mode and formats", () => {
        const ajv = newAjv();
        expect(() => ajv.compile(loadSchema(stream.name))).not.toThrow();
      });

      it("follows the top-level conventions", () => {
        const schema = loadSchema(stream.name);
        expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
        expect(schema.title).toBe(stream.name);
        expect(typeof schema.description).toBe("string");
        expect(schema.type).toBe("object");
        expect(schema.additionalProperties).toBe(true);
        expect(schema.required).toEqual(expect.arrayContaining(stream.primaryKey));
      });

      it("declares every primary key and cursor field as a non-null top-level property", () => {
        const schema = loadSchema(stream.name);
        const properties = schema.properties as JsonObject;
        const keys = [...stream.primaryKey];
        if (stream.read.kind === "dated-list") keys.push(stream.read.incremental.cursorField);
        for (const key of keys) {
          expect(properties, `${stream.name}.${key}`).toHaveProperty([key]);
        }
        for (const key of stream.primaryKey) {
          expect(typesOf(properties[key] as JsonObject), `${stream.name}.${key}`).not.toContain("null");
        }
      });

      it("uses only the allowed keywords and shapes", () => {
        const problems: string[] = [];
        const schema = loadSchema(stream.name);
        lint(schema, stream.name, problems);
        expect(problems).toEqual([]);
        const used = keywordsAnywhere(schema, new Set());
        expect(FORBIDDEN.filter((k) => used.has(k))).toEqual([]);
      });

      it("does not carry dropped credential fields", () => {
        const properties = loadSchema(stream.name).properties as JsonObject;
        for (const field of stream.drop ?? []) {
          expect(properties).not.toHaveProperty([field]);
        }
      });

      it("accepts a record whose non-key fields are all null", () => {
        const schema = loadSchema(stream.name);
        const properties = schema.properties as JsonObject;
        const record: JsonObject = {};
        for (const [key, prop] of Object.entries(properties)) {
          const types = typesOf(prop as JsonObject);
          if (!types.includes("null")) {
            record[key] = types.includes("integer")
              ? 1
              : key === "snapshot_at"
                ? "2025-01-01T00:00:00Z"
                : "2025-01-01";
          } else {
            record[key] = null;
          }
        }
        const validate = newAjv().compile(schema);
        expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
      });

      it("has a build-time validator that judges records as the run-time compiler does", () => {
        const schema = loadSchema(stream.name);
        const shipped = STREAM_VALIDATORS[stream.name]!;
        const compiled = createAjv().compile(schema);
        const properties = Object.entries(schema.properties as JsonObject);
        const wrongTypes: Json[] = ["text", 1.5, true, { a: 1 }, [1], "not-a-date"];
        const samples: JsonObject[] = [{}];
        for (const [key] of properties) {
          for (const value of wrongTypes) samples.push({ [key]: value });
        }
        for (const sample of samples) {
          expect(shipped(sample), JSON.stringify(sample)).toBe(compiled(sample));
        }
      });
    });
  }
});
