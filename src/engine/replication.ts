import type { ReplicationMethod, StreamDef } from "../streams.js";

/** The replication key a stream offers, if it can sync incrementally. */
export function replicationKeyOf(stream: StreamDef): string | undefined {
  if (stream.incremental) return stream.incremental.cursorField;
  if (stream.report) return "window_start";
  return undefined;
}

export function defaultMethodOf(stream: StreamDef): ReplicationMethod {
  return replicationKeyOf(stream) ? "INCREMENTAL" : "FULL_TABLE";
}
