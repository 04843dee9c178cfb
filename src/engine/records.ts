import type { Ajv, ErrorObject } from "ajv";
import { createAjv } from "../ajv.js";
import type { SchemaEvolution } from "../config.js";
import { dig, pathOf as dottedPath } from "../core/objects.js";
import { TapError } from "../errors.js";
import type { Logger } from "../log.js";
import type { JsonSchema, StreamDef } from "../streams/index.js";
import type { Row } from "./paginator.js";
import type { Selection } from "./selection.js";

/** The schema changed before row `index` of the page just shaped: `schema` is the stream's schema from there on. */
export interface Evolution {
  index: number;
  schema: JsonSchema;
  /** what changed, e.g. `description (new, string)`, `sale_amount (integer|null -> integer|null|string)` */
  changes: string[];
}

let ajv: Ajv | undefined;
const MAX_WIDENINGS_PER_ROW = 16;
/** how deep inside an undeclared field credential-named keys are looked for */
const MAX_CREDENTIAL_DEPTH = 32;
/** undeclared top-level fields dropped as credentials */
const CREDENTIAL_NAME =
  /^(api_?key|api_?secret|secret|client_secret|password|passwd|access_token|refresh_token|auth_token|bearer_token|private_key)$/i;

/**
 * Shapes the rows of one page for output, in place where possible (no per-record deep copies): drop
 * credentials, add derived and parent keys, keep only selected fields, and validate against the schema.
 * A row without its primary key is dropped, with a warning naming the stream and count: a destination cannot
 * merge it, and a null id usually means the body is not what it seems.
 *
 * A row beyond its schema (a top-level property the schema does not declare, or a value of a type it does not
 * allow) follows `schema_evolution`:
 * - evolve: the selection's schema is widened (new properties nullable with the inferred JSON type, drifted
 *   types widened to the union, never narrowed), its validator recompiled, and an `Evolution` is queued so the
 *   stream's schema event goes out before that row; one warning per change set.
 * - warn: the row is emitted as is, with one warning per stream and field.
 * - strict: the stream fails, naming the field.
 * The hot path stays one compiled validator call plus a key-membership check per row.
 */
export class RecordShaper {
  private readonly warned = new Set<string>();
  private readonly derived: Array<[string, string[]]>;
  /** top-level properties the schema declares (or that were already reported); null when fields are picked */
  private readonly known: Set<string> | null;
  /** top-level fields the schema did not declare, kept since (evolve, warn): scanned for nested credentials */
  private readonly adopted = new Set<string>();
  private evolutions: Evolution[] = [];

  constructor(
    private readonly selection: Selection,
    private readonly log: Logger,
    private readonly policy: SchemaEvolution = "evolve",
  ) {
    this.derived = Object.entries(selection.def.derive ?? {}).map(([k, path]) => [k, dottedPath(path)]);
    // picked fields are only ever declared ones
    this.known = selection.fields ? null : new Set(Object.keys(selection.schema.properties ?? {}));
  }

  shape(rows: Row[], extra?: Row): Row[] {
    const { def, fields } = this.selection;
    const drop = def.drop;
    const known = this.known;
    const out = fields ? new Array<Row>(rows.length) : rows;
    let missingKey = 0;
    for (let i = 0; i < rows.length; i++) {
      let row = rows[i]!;
      // undefined, not `delete`: JSON.stringify leaves it out either way, and `delete` turns the row into a
      // slow dictionary-mode object for everything after it
      if (drop) scrub(row, drop, 0);
      for (const [key, path] of this.derived) row[key] = dig(row, path) ?? null;
      if (extra) Object.assign(row, extra);
      if (!hasKey(row, def.primaryKey)) {
        missingKey++;
        continue;
      }
      if (fields) row = pick(row, fields);
      const at = i - missingKey;
      out[at] = row;
      let undeclared: string[] | undefined;
      if (known) {
        const adopted = this.adopted;
        for (const key in row) {
          const value = row[key];
          if (value == null) continue;
          if (known.has(key)) {
            // a field the API added, kept since: its nested credentials are dropped on every row, not the first
            if (adopted.size !== 0 && typeof value === "object" && adopted.has(key))
              this.dropNested(value, key, 0);
            continue;
          }
          if (CREDENTIAL_NAME.test(key)) {
            this.dropCredential(row, key, key);
            continue;
          }
          if (typeof value === "object") this.dropNested(value, key, 0);
          if (undeclared) undeclared.push(key);
          else undeclared = [key];
        }
      }
      if (undeclared || !this.selection.validate(row)) this.beyondSchema(row, at, undeclared ?? []);
    }
    if (missingKey > 0) {
      out.length = rows.length - missingKey;
      this.log.warn(
        `${def.name}: dropped ${missingKey} record(s) without a primary key (${def.primaryKey.join(", ")}); a destination cannot deduplicate them`,
      );
    }
    return out;
  }

  /**
   * A field the schema does not declare, named like a credential (`api_key`, `password`, `access_token`, …):
   * blanked, not added to the schema. No stream of the API has such a field; one that appears is a
   * credential the API leaks, and a warehouse is no place for it. One warning per stream and field.
   */
  private dropCredential(row: Row, key: string, path: string): void {
    row[key] = undefined;
    if (this.warned.has(`credential|${path}`)) return;
    this.warned.add(`credential|${path}`);
    this.log.warn(
      `${this.selection.def.name}: dropped field "${path}", which the schema does not declare and which is named like a credential`,
    );
  }

  /** Schema changes made while shaping the last page, in row order (emptied by the call). */
  takeEvolutions(): Evolution[] {
    const taken = this.evolutions;
    if (taken.length) this.evolutions = [];
    return taken;
  }

  /** Credential-named keys anywhere inside an undeclared field's objects and arrays (bounded depth). */
  private dropNested(value: object, path: string, depth: number): void {
    if (depth > MAX_CREDENTIAL_DEPTH) return;
    if (Array.isArray(value)) {
      for (const item of value)
        if (item !== null && typeof item === "object") this.dropNested(item, `${path}[]`, depth + 1);
      return;
    }
    const obj = value as Row;
    for (const key in obj) {
      const inner = obj[key];
      if (inner == null) continue;
      if (CREDENTIAL_NAME.test(key)) this.dropCredential(obj, key, `${path}.${key}`);
      else if (typeof inner === "object") this.dropNested(inner, `${path}.${key}`, depth + 1);
    }
  }

  private beyondSchema(row: Row, index: number, undeclared: string[]): void {
    const { def } = this.selection;
    if (this.policy === "strict") {
      const error = undeclared.length ? undefined : this.selection.validate.errors?.[0];
      if (undeclared.length || error?.keyword === "type") {
        const what = undeclared.length
          ? `field "${undeclared[0]}" that the schema does not declare`
          : `field "${pathOf(error!)}" of type ${jsonType(valueAt(row, error!.instancePath))}, the schema allows ${typeText(error!.params)}`;
        throw new TapError(
          `record ${idOf(def, row)} has ${what} (schema_evolution is strict)`,
          "system_error",
        );
      }
      this.warnInvalid(row);
      return;
    }
    if (this.policy === "warn") {
      for (const key of undeclared) {
        this.known!.add(key);
        this.adopted.add(key);
        this.log.warn(
          `${def.name}: field "${key}" is not in the schema (kept in the record; the configured catalog cannot change)`,
        );
      }
      if (!this.selection.validate(row)) this.warnInvalid(row);
      return;
    }
    // evolve
    const schema = structuredClone(this.selection.schema);
    schema.properties ??= {};
    const properties = schema.properties;
    const changes: string[] = [];
    for (const key of undeclared) {
      const type = jsonType(row[key]);
      properties[key] = { type: [type, "null"] };
      this.known!.add(key);
      this.adopted.add(key);
      changes.push(`${key} (new, ${type})`);
    }
    let validate = undeclared.length ? compile(schema) : this.selection.validate;
    for (let n = 0; n < MAX_WIDENINGS_PER_ROW && !validate(row); n++) {
      const error = validate.errors?.[0];
      const node = error?.keyword === "type" ? nodeAt(schema, error.instancePath) : undefined;
      if (!node) break;
      const before = typeList(node.type);
      const type = jsonType(valueAt(row, error!.instancePath));
      node.type = [...before, type];
      changes.push(`${pathOf(error!)} (${before.join("|")} -> ${[...before, type].join("|")})`);
      validate = compile(schema);
    }
    if (changes.length) {
      this.selection.schema = schema;
      this.selection.validate = validate;
      this.evolutions.push({ index, schema, changes });
      this.log.warn(
        `${def.name}: record ${idOf(def, row)} goes beyond the schema, which now has ${changes.join(", ")} (an updated SCHEMA precedes it)`,
      );
    }
    if (!validate(row)) this.warnInvalid(row);
  }

  private warnInvalid(row: Row): void {
    const { def } = this.selection;
    const error = this.selection.validate.errors?.[0];
    const where = error?.instancePath || "/";
    const key = `${where}|${error?.keyword}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(
      `${def.name}: record ${idOf(def, row)} does not match the schema at ${where}: ${error?.message ?? "invalid"} (emitted as is; further rows with this problem are not reported)`,
    );
  }
}

/** Removes the credential fields wherever they sit in a row (nested objects and arrays too). */
function scrub(value: Row, drop: readonly string[], depth: number): void {
  for (const key of drop) if (key in value) value[key] = undefined;
  if (depth > 32) return;
  for (const key in value) {
    const child = value[key];
    if (typeof child !== "object" || child === null) continue;
    if (Array.isArray(child)) {
      for (const item of child)
        if (typeof item === "object" && item !== null) scrub(item as Row, drop, depth + 1);
    } else scrub(child as Row, drop, depth + 1);
  }
}

/** Every primary-key field is present and not null. */
function hasKey(row: Row, keys: string[]): boolean {
  for (const key of keys) if (row[key] === undefined || row[key] === null) return false;
  return true;
}

/** ajv caches validators by schema object: a schema changed in place is compiled from a copy. */
function compile(schema: JsonSchema) {
  ajv ??= createAjv();
  return ajv.compile(structuredClone(schema));
}

function idOf(def: StreamDef, row: Row): string {
  return def.primaryKey.map((k) => JSON.stringify(row[k])).join(",");
}

function segments(instancePath: string): string[] {
  return instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function pathOf(error: ErrorObject): string {
  return segments(error.instancePath).join(".") || "/";
}

function valueAt(row: Row, instancePath: string): unknown {
  let value: unknown = row;
  for (const key of segments(instancePath)) value = (value as Row | null | undefined)?.[key];
  return value;
}

/** The sub-schema of the value at `instancePath`, when it is reached through properties and items only. */
function nodeAt(schema: JsonSchema, instancePath: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const key of segments(instancePath)) {
    if (!node) return undefined;
    if (/^\d+$/.test(key) && node.items && typeof node.items === "object" && !Array.isArray(node.items)) {
      node = node.items as JsonSchema;
    } else node = node.properties?.[key];
  }
  return node && node.type !== undefined ? node : undefined;
}

function typeList(type: unknown): string[] {
  return Array.isArray(type) ? (type as string[]) : [type as string];
}

function typeText(params: unknown): string {
  const type = (params as { type?: unknown } | undefined)?.type;
  return typeList(type).join("|");
}

/** The JSON Schema type of a value: integer for whole numbers, number otherwise. */
export function jsonType(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) ? "integer" : "number";
    case "bigint":
      return "integer";
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    default:
      return "object";
  }
}

function pick(row: Row, fields: ReadonlySet<string>): Row {
  const out: Row = {};
  for (const key of fields) if (row[key] !== undefined) out[key] = row[key];
  return out;
}
