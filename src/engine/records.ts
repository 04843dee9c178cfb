import type { Logger } from "../log.js";
import type { StreamDef } from "../streams.js";
import type { Row } from "./paginator.js";
import type { Selection } from "./selection.js";

/**
 * Shapes the rows of one page for output, in place where possible (no per-record deep copies): drop
 * credentials, add derived and parent keys, keep only selected fields, and validate against the schema.
 * A row that fails validation is still emitted (the API drifts; losing revenue data is worse), with one
 * warning per stream and field. A row without its primary key is dropped, with a warning naming the stream
 * and count: a destination cannot merge it, and a null id usually means the body is not what it seems.
 */
export class RecordShaper {
  private readonly warned = new Set<string>();
  private readonly derived: Array<[string, string[]]>;

  constructor(
    private readonly selection: Selection,
    private readonly log: Logger,
  ) {
    this.derived = Object.entries(selection.def.derive ?? {}).map(([k, path]) => [k, path.split(".")]);
  }

  shape(rows: Row[], extra?: Row): Row[] {
    const { def, fields } = this.selection;
    const drop = def.drop;
    const out = fields ? new Array<Row>(rows.length) : rows;
    let missingKey = 0;
    for (let i = 0; i < rows.length; i++) {
      let row = rows[i]!;
      // undefined, not `delete`: JSON.stringify leaves it out either way, and `delete` turns the row into a
      // slow dictionary-mode object for everything after it
      if (drop) scrub(row, drop, 0);
      for (const [key, path] of this.derived) row[key] = dig(row, path);
      if (extra) Object.assign(row, extra);
      if (!hasKey(row, def.primaryKey)) {
        missingKey++;
        continue;
      }
      if (fields) row = pick(row, fields);
      out[i - missingKey] = row;
      if (!this.selection.validate(row)) this.warn(def, row);
    }
    if (missingKey > 0) {
      out.length = rows.length - missingKey;
      this.log.warn(
        `${def.name}: dropped ${missingKey} record(s) without a primary key (${def.primaryKey.join(", ")}); a destination cannot deduplicate them`,
      );
    }
    return out;
  }

  private warn(def: StreamDef, row: Row): void {
    const error = this.selection.validate.errors?.[0];
    const where = error?.instancePath || "/";
    const key = `${where}|${error?.keyword}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    const id = def.primaryKey.map((k) => JSON.stringify(row[k])).join(",");
    this.log.warn(
      `${def.name}: record ${id} does not match the schema at ${where}: ${error?.message ?? "invalid"} (emitted as is; further rows with this problem are not reported)`,
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

function dig(row: Row, path: string[]): unknown {
  let value: unknown = row;
  for (const key of path) value = (value as Row | null | undefined)?.[key];
  return value ?? null;
}

function pick(row: Row, fields: ReadonlySet<string>): Row {
  const out: Row = {};
  for (const key of fields) if (row[key] !== undefined) out[key] = row[key];
  return out;
}
