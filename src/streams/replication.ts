import { REPORT_CURSOR_FIELD, type ReplicationMethod, type StreamDef } from "./table.js";

/** The replication key a stream offers, if it can sync incrementally. */
export function replicationKeyOf(stream: StreamDef): string | undefined {
  switch (stream.read.kind) {
    case "dated-list":
      return stream.read.incremental.cursorField;
    case "report":
      return REPORT_CURSOR_FIELD;
    default:
      return undefined;
  }
}

export function defaultMethodOf(stream: StreamDef): ReplicationMethod {
  return replicationKeyOf(stream) ? "INCREMENTAL" : "FULL_TABLE";
}
