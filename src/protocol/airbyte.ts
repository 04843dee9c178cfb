import type { EngineEvent, EventSink } from "../engine/events.js";
import { estimate, streamState, streamStatus } from "./airbyte-messages.js";
import { type OutputWriter, recordLines } from "./output.js";

/**
 * Engine events as Airbyte messages: RECORD, per-stream STATE with the record count since that stream's
 * previous STATE (never two identical in a row), and TRACE STREAM_STATUS / ESTIMATE.
 */
export class AirbyteSerializer implements EventSink {
  private readonly counts = new Map<string, number>();
  private readonly lastState = new Map<string, string>();

  constructor(private readonly out: OutputWriter) {}

  emit(event: EngineEvent): Promise<void> | undefined {
    switch (event.type) {
      case "records": {
        if (event.rows.length === 0) return undefined;
        const head = `{"type":"RECORD","record":{"stream":${JSON.stringify(event.stream)},"data":`;
        const tail = `,"emitted_at":${event.extractedAt}}}\n`;
        this.counts.set(event.stream, (this.counts.get(event.stream) ?? 0) + event.rows.length);
        return this.out.write(recordLines(event.rows, head, tail));
      }
      case "state": {
        const state = JSON.stringify(event.state);
        const count = this.counts.get(event.stream) ?? 0;
        if (count === 0 && this.lastState.get(event.stream) === state) return undefined;
        this.lastState.set(event.stream, state);
        this.counts.set(event.stream, 0);
        return this.out.write(streamState(event.stream, event.state, count));
      }
      case "status":
        return this.out.write(streamStatus(event.stream, event.status));
      case "estimate":
        return this.out.write(estimate(event.stream, event.rows));
      default:
        return undefined;
    }
  }
}
