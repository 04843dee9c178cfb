import { isPlainObject } from "../core/objects.js";
import { type Bookmarks, normalizeBookmarks } from "../engine/state.js";
import { InputError } from "../errors.js";
import type { Logger } from "../log.js";

/** Singer `--state`: `{"bookmarks": {...}}`, or a whole STATE message `{"type":"STATE","value":{...}}`. */
export function parseSingerState(raw: unknown, source: string, log: Logger): Bookmarks {
  if (!isPlainObject(raw)) throw new InputError(`${source}: expected a JSON object with "bookmarks"`);
  const value = raw.type === "STATE" && isPlainObject(raw.value) ? raw.value : raw;
  if (value.bookmarks === undefined) return {};
  if (!isPlainObject(value.bookmarks)) throw new InputError(`${source}: "bookmarks" must be an object`);
  return normalizeBookmarks(value.bookmarks, source, log);
}
