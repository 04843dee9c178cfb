import { isPlainObject } from "../core/objects.js";
import type { SelectionRequest } from "../engine/selection.js";
import { InputError } from "../errors.js";
import {
  defaultMethodOf,
  type JsonSchema,
  type ReplicationMethod,
  replicationKeyOf,
  STREAMS,
  type StreamDef,
  schemaOf,
} from "../streams/index.js";

interface MetadataEntry {
  breadcrumb: string[];
  metadata: Record<string, unknown>;
}

/** The `--discover` catalog: every stream, its schema and the standard Singer metadata. */
export function singerCatalog(): { streams: unknown[] } {
  return { streams: STREAMS.map(catalogEntry) };
}

function catalogEntry(def: StreamDef) {
  const schema = schemaOf(def);
  const rk = replicationKeyOf(def);
  const method = defaultMethodOf(def);
  const automatic = new Set([...def.primaryKey, ...(rk ? [rk] : [])]);
  const metadata: MetadataEntry[] = [
    {
      breadcrumb: [],
      metadata: {
        inclusion: "available",
        "selected-by-default": def.selectedByDefault,
        "table-key-properties": def.primaryKey,
        "valid-replication-keys": rk ? [rk] : [],
        ...(rk
          ? { "replication-method": method, "replication-key": rk }
          : { "forced-replication-method": method }),
      },
    },
    ...Object.keys(schema.properties ?? {}).map((field) => ({
      breadcrumb: ["properties", field],
      metadata: { inclusion: automatic.has(field) ? "automatic" : "available", "selected-by-default": true },
    })),
  ];
  return {
    tap_stream_id: def.name,
    stream: def.name,
    schema,
    key_properties: def.primaryKey,
    replication_method: method,
    ...(rk ? { replication_key: rk } : {}),
    metadata,
  };
}

/**
 * Reads a Singer catalog (`--catalog`, or the legacy `--properties`) into selection requests, following
 * singer-sdk's rules: `selected` wins, else `selected-by-default`, else the stream's own default; fields
 * with `inclusion: automatic` cannot be deselected.
 */
export function parseSingerCatalog(raw: unknown, source: string): SelectionRequest[] {
  if (!isPlainObject(raw) || !Array.isArray(raw.streams)) {
    throw new InputError(`${source}: expected a JSON object with a "streams" array`);
  }
  const requests: SelectionRequest[] = [];
  for (const [i, entry] of raw.streams.entries()) {
    if (!isPlainObject(entry)) throw new InputError(`${source}: streams[${i}] is not an object`);
    const name = entry.tap_stream_id ?? entry.stream;
    if (typeof name !== "string") throw new InputError(`${source}: streams[${i}] has no "tap_stream_id"`);
    const metadata = Array.isArray(entry.metadata) ? (entry.metadata as MetadataEntry[]) : [];
    const streamMeta = metadata.find(
      (m) => Array.isArray(m?.breadcrumb) && m.breadcrumb.length === 0,
    )?.metadata;
    const selected =
      streamMeta?.selected ?? entry.selected ?? streamMeta?.["selected-by-default"] ?? defaultOf(name);
    if (selected !== true) continue;
    const method =
      streamMeta?.["replication-method"] ??
      streamMeta?.["forced-replication-method"] ??
      entry.replication_method;
    if (method !== undefined && method !== "FULL_TABLE" && method !== "INCREMENTAL") {
      throw new InputError(
        `${source}: stream "${name}" has unsupported replication method ${JSON.stringify(method)}`,
      );
    }
    requests.push({
      name,
      method: method as ReplicationMethod | undefined,
      fields: selectedFields(metadata),
      schema: isPlainObject(entry.schema) ? (entry.schema as JsonSchema) : undefined,
    });
  }
  return requests;
}

function defaultOf(name: string): boolean {
  const def = STREAMS.find((s) => s.name === name);
  return def ? def.selectedByDefault : true;
}

function selectedFields(metadata: MetadataEntry[]): Set<string> | null {
  const deselected = new Set<string>();
  const all = new Set<string>();
  for (const m of metadata) {
    if (!Array.isArray(m?.breadcrumb) || m.breadcrumb.length !== 2 || m.breadcrumb[0] !== "properties")
      continue;
    const field = m.breadcrumb[1]!;
    all.add(field);
    const meta = m.metadata ?? {};
    const selected = meta.inclusion === "automatic" || (meta.selected ?? meta["selected-by-default"] ?? true);
    if (meta.inclusion === "unsupported" || selected === false) deselected.add(field);
  }
  if (deselected.size === 0) return null;
  return new Set([...all].filter((f) => !deselected.has(f)));
}
