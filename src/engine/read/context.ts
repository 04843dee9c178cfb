import type { Config } from "../../config.js";
import type { HttpClient } from "../../http/client.js";
import type { Logger } from "../../log.js";
import type { CursorContext } from "../cursors/context.js";
import type { Row } from "../paginator.js";
import type { Prefetch } from "../prefetch.js";
import type { RecordShaper } from "../records.js";
import type { Selection } from "../selection.js";
import type { StreamState } from "../state.js";

/** Where a read sends what it found; sync.ts routes it through the protocol writer. */
export interface ReadOutput {
  /**
   * Where the read starts, said once before its first request: `resumed` when it goes on from a saved page
   * (its earlier pages came in an earlier run), not when its cursor set a saved position aside and starts over.
   */
  begin(resumed: boolean): Promise<void>;
  rows(rows: Row[]): Promise<void>;
  /** the read may have missed rows (said once per stream): its snapshot must not replace a destination's table */
  unreliable(reason: string): void;
  checkpoint(state: StreamState): Promise<void>;
  /** a row count the API reported or the stream can bound, for the platform's progress */
  estimate(rows: number): Promise<void>;
  /** how far along the stream is, where it knows its size */
  progress(progress: Progress): void;
}

/** `done` of `total` units; for records, `done` is the records emitted so far. */
export interface Progress {
  unit: "records" | "parents" | "windows";
  total: number;
  done?: number;
}

/** Everything one stream's read needs. */
export interface StreamContext {
  http: HttpClient;
  /** pages requested ahead, shared by every stream of the sync */
  prefetch: Prefetch;
  config: Config;
  selection: Selection;
  shaper: RecordShaper;
  /** the state this stream starts from */
  state: StreamState;
  /** sync start: bookmarks never pass it, so rows written during the sync are read next time */
  signpost: Date;
  log: Logger;
  signal: AbortSignal;
  out: ReadOutput;
}

/** What this stream's cursor needs of the context. */
export function cursorContext(ctx: StreamContext): CursorContext {
  return {
    stream: ctx.selection.def.name,
    pageSize: ctx.config.pageSize,
    startDate: ctx.config.startDate,
    lookbackDays: ctx.config.lookbackDays,
    signpost: ctx.signpost,
    log: ctx.log,
  };
}
