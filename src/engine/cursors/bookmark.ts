import { addDays, isoDay, toTime } from "../../dates.js";
import type { StreamState } from "../state.js";
import type { CursorContext } from "./context.js";

/**
 * The state's bookmark, capped at the sync's start: a bookmark in the future (a clock or a hand-edited state)
 * would read nothing, and be written back, forever. The capped value is what later checkpoints carry.
 */
export function cappedBookmark(state: StreamState, ctx: CursorContext): string | undefined {
  const value = state.replication_key_value;
  if (value === undefined) return undefined;
  const t = toTime(value);
  if (t !== undefined && t > ctx.signpost.getTime()) {
    const capped = ctx.signpost.toISOString();
    ctx.log.warn(`${ctx.stream}: bookmark ${value} is after the sync's start; capped at ${capped}`);
    return capped;
  }
  return value;
}

/** The time a read starts from: the bookmark minus the lookback window, never before `start_date`. */
export function lookbackFrom(bookmark: string | undefined, ctx: CursorContext): number | undefined {
  const floor = ctx.startDate?.getTime();
  return bookmark ? Math.max(addDays(new Date(bookmark), -ctx.lookbackDays).getTime(), floor ?? 0) : floor;
}

/** The `filters[<field>][from]` day of a dated list, if it has one. */
export function filterDay(bookmark: string | undefined, ctx: CursorContext): string | undefined {
  const time = lookbackFrom(bookmark, ctx);
  return time === undefined ? undefined : isoDay(new Date(time));
}

export function bookmarkState(key: string, value: string | undefined): StreamState {
  return value === undefined ? {} : { replication_key: key, replication_key_value: value };
}
