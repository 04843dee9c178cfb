import { isPlainObject } from "../core/objects.js";
import { parseIso } from "../dates.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";
import { findStream, replicationKeyOf } from "../streams/index.js";

/**
 * Per-stream state, the same in both protocols (Singer nests it under `bookmarks.<stream>`, Airbyte sends it
 * as `stream_state`; the shapes around it are parsed in protocol/singer-state.ts and airbyte-state.ts).
 * Bookmark values are strings, never floats (targets re-serialize state).
 */
export interface StreamState {
  replication_key?: string;
  replication_key_value?: string;
  /**
   * a report's progress through the windows before its bookmark (the lookback, read again): the start of the
   * last one read. Only there so each checkpoint differs from the one before it (Airbyte fails a sync on two
   * equal STATEs with records between them); a resume reads the lookback again whatever it says.
   */
  lookback_read_through?: string;
  /** where an interrupted sync goes on: the next page (of a pass over one date field, for multi-pass streams) */
  offset?: {
    page: number;
    pass?: string;
    max?: string;
    /** the query the page number belongs to: a resume with another filter or page size starts over */
    from?: string;
    page_size?: number;
  };
}

/** The engine's input: each stream's state by stream name. */
export type Bookmarks = Record<string, StreamState>;

/**
 * Validates a map of stream -> raw state (whichever protocol carried it), accepting the singer-sdk shape
 * (`replication_key(_value)`) and the classic `<stream>.<field>` shape. Unknown streams are dropped with a warning.
 */
export function normalizeBookmarks(raw: Record<string, unknown>, source: string, log: Logger): Bookmarks {
  const out: Bookmarks = {};
  for (const [name, value] of Object.entries(raw)) {
    const def = findStream(name);
    if (!def) {
      log.warn(`${source}: ignoring state of unknown stream "${name}"`);
      continue;
    }
    if (!isPlainObject(value)) throw new InputError(`${source}: state of stream "${name}" must be an object`);
    const key = replicationKeyOf(def);
    const state: StreamState = {};
    let bookmark = value.replication_key_value;
    if (bookmark === undefined && key && value[key] !== undefined) bookmark = value[key];
    if (bookmark !== undefined && bookmark !== null) {
      if (typeof bookmark !== "string" || parseIso(bookmark) === undefined) {
        throw new InputError(
          `${source}: bookmark of stream "${name}" must be an ISO 8601 date string, got ${JSON.stringify(bookmark)}`,
        );
      }
      if (key) {
        state.replication_key = key;
        state.replication_key_value = bookmark;
      }
    }
    const offset = value.offset;
    if (offset !== undefined && offset !== null) {
      const page = isPlainObject(offset) ? offset.page : undefined;
      if (typeof page !== "number" || !Number.isInteger(page) || page < 1) {
        throw new InputError(`${source}: "offset.page" of stream "${name}" must be a positive integer`);
      }
      state.offset = { page };
      if (isPlainObject(offset) && typeof offset.pass === "string") state.offset.pass = offset.pass;
      if (isPlainObject(offset) && typeof offset.max === "string") state.offset.max = offset.max;
      if (isPlainObject(offset) && typeof offset.from === "string") state.offset.from = offset.from;
      if (isPlainObject(offset) && typeof offset.page_size === "number")
        state.offset.page_size = offset.page_size;
    }
    out[name] = state;
  }
  return out;
}
