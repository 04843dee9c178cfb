import type { Ajv, ValidateFunction } from "ajv";
import { createAjv } from "../ajv.js";
import { InputError } from "../errors.js";
import { STREAM_VALIDATORS } from "../generated/validators.js";
import {
  defaultMethodOf,
  findStream,
  type JsonSchema,
  projectSchema,
  type ReplicationMethod,
  replicationKeyOf,
  STREAMS,
  type StreamDef,
  schemaOf,
} from "../streams/index.js";

/** What the user asked for one stream, whichever protocol's catalog said it. */
export interface Selection {
  def: StreamDef;
  method: ReplicationMethod;
  /** selected top-level fields, or null for all */
  fields: ReadonlySet<string> | null;
  /** the schema sent to the destination (projected to `fields`) */
  schema: JsonSchema;
  validate: ValidateFunction;
}

export interface SelectionRequest {
  name: string;
  method?: ReplicationMethod | undefined;
  fields?: ReadonlySet<string> | null | undefined;
  /** the catalog's own schema for the stream, when it carries one (users may override types there) */
  schema?: JsonSchema | undefined;
}

let ajv: Ajv | undefined;

/** Streams selected when no catalog is given. */
export function defaultRequests(): SelectionRequest[] {
  return STREAMS.filter((s) => s.selectedByDefault).map((s) => ({ name: s.name }));
}

/**
 * Resolves catalog requests into selections; an unknown stream or an impossible mode is one clear error. With
 * `skipUnknown` (Airbyte, whose protocol says a schema mismatch must never fail a sync) a stream this tap does
 * not have is skipped and named to it instead, unless no known stream is left.
 */
export function resolveSelections(
  requests: SelectionRequest[],
  source: string,
  skipUnknown?: (name: string) => void,
): Selection[] {
  const seen = new Set<string>();
  const known = skipUnknown ? requests.filter((req) => findStream(req.name)) : requests;
  if (skipUnknown && known.length > 0) {
    for (const req of requests) if (!findStream(req.name)) skipUnknown(req.name);
  }
  return (known.length > 0 ? known : requests).map((req) => {
    const def = findStream(req.name);
    if (!def) {
      throw new InputError(
        `${source}: unknown stream "${req.name}" (known streams: ${STREAMS.map((s) => s.name).join(", ")})`,
      );
    }
    if (seen.has(def.name)) throw new InputError(`${source}: stream "${def.name}" is listed twice`);
    seen.add(def.name);
    const method = req.method ?? defaultMethodOf(def);
    if (method === "INCREMENTAL" && !replicationKeyOf(def)) {
      throw new InputError(
        `${source}: stream "${def.name}" cannot sync incrementally (the API has no filter for it)`,
      );
    }
    const fields = withRequiredFields(def, req.fields ?? null);
    // a catalog schema without properties (a hand-written catalog that only selects) is no schema
    const given =
      req.schema && typeof req.schema.properties === "object" && Object.keys(req.schema.properties).length;
    const base = given ? req.schema! : schemaOf(def);
    const schema = projectSchema(base, fields);
    let validate: ValidateFunction;
    try {
      validate = validatorOf(def, base);
    } catch (error) {
      throw new InputError(
        `${source}: stream "${def.name}" has an invalid schema: ${(error as Error).message}`,
      );
    }
    return { def, method, fields, schema, validate };
  });
}

/** Primary keys and the replication key are always emitted, whatever the catalog deselects. */
function withRequiredFields(def: StreamDef, fields: ReadonlySet<string> | null): ReadonlySet<string> | null {
  if (!fields) return null;
  const all = new Set(fields);
  for (const key of def.primaryKey) all.add(key);
  const rk = replicationKeyOf(def);
  if (rk) all.add(rk);
  const known = Object.keys(schemaOf(def).properties ?? {});
  return known.every((k) => all.has(k)) ? null : all;
}

/** The build-time validator of the shipped schema; a catalog that changed the schema gets its own compiled. */
function validatorOf(def: StreamDef, schema: JsonSchema): ValidateFunction {
  const shipped = STREAM_VALIDATORS[def.name];
  if (shipped && (schema === schemaOf(def) || sameJson(schema, schemaOf(def)))) return shipped;
  ajv ??= createAjv();
  return ajv.compile(schema);
}

/** A discovered catalog carries our schema back as JSON: equal text means the same schema. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A stream read as a whole table every sync, whose complete read may replace what a destination holds
 * (Singer's ACTIVATE_VERSION, the DuckDB swap). Not a report: it covers a window of history (the default one
 * slides), so a read of it never says what came before is gone. Not a stats snapshot either: keyed by its
 * `snapshot_at`, each sync adds one row to a history that a newer row does not replace.
 */
export function isSnapshotRead(selection: Selection): boolean {
  const { read, envelope } = selection.def;
  return selection.method === "FULL_TABLE" && read.kind !== "report" && envelope !== "snapshot";
}
