import type { Row } from "./paginator.js";
import type { Selection } from "./selection.js";
import type { Bookmarks, StreamState } from "./state.js";

export type StreamStatus = "STARTED" | "RUNNING" | "COMPLETE" | "INCOMPLETE";

/** What the engine says; protocol serializers turn it into Singer lines or Airbyte messages. */
export type EngineEvent =
  | { type: "schema"; selection: Selection }
  /** one page of rows of one stream, in order; `extractedAt` is epoch ms */
  | { type: "records"; stream: string; rows: Row[]; extractedAt: number }
  /** a checkpoint: `state` covers only rows already emitted; `bookmarks` is every stream's state */
  | { type: "state"; stream: string; state: StreamState; bookmarks: Bookmarks }
  | { type: "status"; stream: string; status: StreamStatus; error?: Error }
  | { type: "estimate"; stream: string; rows: number };

export interface EventSink {
  emit(event: EngineEvent): Promise<void> | undefined;
}
