import type { Logger } from "../../log.js";

/** What a cursor's resume depends on: the sync's settings and start, and where to say what it decided. */
export interface CursorContext {
  stream: string;
  pageSize: number;
  startDate: Date | undefined;
  lookbackDays: number;
  /** sync start: bookmarks never pass it, so rows written during the sync are read next time */
  signpost: Date;
  log: Logger;
}
