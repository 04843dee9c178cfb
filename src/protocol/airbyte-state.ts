import { dig, isPlainObject } from "../core/objects.js";
import { type Bookmarks, normalizeBookmarks } from "../engine/state.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";

const DESCRIPTOR_NAME = ["stream", "stream_descriptor", "name"];

/** Airbyte `--state`: an array of STREAM state messages (or a legacy blob of stream -> state). */
export function parseAirbyteState(raw: unknown, source: string, log: Logger): Bookmarks {
  if (Array.isArray(raw)) {
    const map: Record<string, unknown> = {};
    for (const [i, entry] of raw.entries()) {
      const message = isPlainObject(entry) && isPlainObject(entry.state) ? entry.state : entry;
      if (!isPlainObject(message)) throw new InputError(`${source}: entry ${i} is not a state message`);
      if (message.type === "GLOBAL")
        throw new InputError(`${source}: GLOBAL state is not used by this source`);
      const name = dig(message, DESCRIPTOR_NAME);
      if (typeof name !== "string") {
        if (message.type === "LEGACY" && isPlainObject(message.data)) {
          Object.assign(map, legacyBlob(message.data));
          continue;
        }
        throw new InputError(`${source}: entry ${i} has no stream.stream_descriptor.name`);
      }
      map[name] = dig(message, ["stream", "stream_state"]) ?? {};
    }
    return normalizeBookmarks(map, source, log);
  }
  if (isPlainObject(raw)) return normalizeBookmarks(legacyBlob(raw), source, log);
  throw new InputError(`${source}: expected a JSON array of state messages`);
}

function legacyBlob(data: Record<string, unknown>): Record<string, unknown> {
  return isPlainObject(data.bookmarks) ? data.bookmarks : data;
}
