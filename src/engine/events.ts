import type { JsonSchema } from "../streams/index.js";
import type { Row } from "./paginator.js";
import type { Selection } from "./selection.js";
import type { StreamState } from "./state.js";

export type StreamStatus = "STARTED" | "RUNNING" | "COMPLETE" | "INCOMPLETE";

/** What the engine says; protocol serializers turn it into Singer lines or Airbyte messages. */
export type EngineEvent =
  /** a stream's schema: once before its first rows, again (with `changes`) when a row goes beyond it */
  | { type: "schema"; selection: Selection; schema?: JsonSchema; changes?: string[] }
  /**
   * a FULL_TABLE stream's snapshot: "begin" before its first request (`resumed`: the read goes on from a page
   * saved by an earlier run, whose rows came then), "complete" once the list was read to its end (never after a
   * failed read, a skipped stream or an abort). `whole`: nothing suggests a row was missed, so a destination may
   * drop the rows the source no longer has; otherwise it keeps them and takes the rows read
   */
  | { type: "snapshot"; stream: string; phase: "begin"; resumed: boolean }
  | { type: "snapshot"; stream: string; phase: "complete"; whole: boolean }
  /** one page of rows of one stream, in order; `extractedAt` is epoch ms */
  | { type: "records"; stream: string; rows: Row[]; extractedAt: number }
  /** a checkpoint of one stream: `state` covers only rows of it already emitted */
  | { type: "state"; stream: string; state: StreamState }
  | { type: "status"; stream: string; status: StreamStatus; error?: Error }
  | { type: "estimate"; stream: string; rows: number };

export interface EventSink {
  emit(event: EngineEvent): Promise<void> | undefined;
}
