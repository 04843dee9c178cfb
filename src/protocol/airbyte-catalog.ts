import { dig, isPlainObject } from "../core/objects.js";
import type { SelectionRequest } from "../engine/selection.js";
import { InputError } from "../errors.js";
import { replicationKeyOf, STREAMS, type StreamDef, schemaOf } from "../streams/index.js";

/** AirbyteStream entries for `discover`. */
export function airbyteCatalog(): { streams: ReturnType<typeof airbyteStream>[] } {
  return { streams: STREAMS.map(airbyteStream) };
}

function airbyteStream(def: StreamDef) {
  const rk = replicationKeyOf(def);
  return {
    name: def.name,
    json_schema: schemaOf(def),
    supported_sync_modes: rk ? ["full_refresh", "incremental"] : ["full_refresh"],
    source_defined_cursor: true,
    ...(rk ? { default_cursor_field: [rk] } : {}),
    source_defined_primary_key: def.primaryKey.map((k) => [k]),
    is_resumable: true,
  };
}

const SCHEMA_PROPERTIES = ["json_schema", "properties"];

/** A ConfiguredAirbyteCatalog into selection requests; every listed stream is selected. */
export function parseConfiguredCatalog(raw: unknown, source: string): SelectionRequest[] {
  if (!isPlainObject(raw) || !Array.isArray(raw.streams)) {
    throw new InputError(`${source}: expected a ConfiguredAirbyteCatalog with a "streams" array`);
  }
  return raw.streams.map((entry, i) => {
    const stream = isPlainObject(entry) ? entry.stream : undefined;
    if (!isPlainObject(entry) || !isPlainObject(stream) || typeof stream.name !== "string") {
      throw new InputError(`${source}: streams[${i}] has no stream.name`);
    }
    const mode = entry.sync_mode;
    if (mode !== "full_refresh" && mode !== "incremental") {
      throw new InputError(
        `${source}: stream "${stream.name}" has sync_mode ${JSON.stringify(mode)}; expected "full_refresh" or "incremental"`,
      );
    }
    const properties = dig(stream, SCHEMA_PROPERTIES);
    return {
      name: stream.name,
      method: mode === "incremental" ? "INCREMENTAL" : "FULL_TABLE",
      fields: isPlainObject(properties) ? new Set(Object.keys(properties)) : null,
    };
  });
}
