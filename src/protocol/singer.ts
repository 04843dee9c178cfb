import type { EngineEvent, EventSink } from "../engine/events.js";
import type { Bookmarks } from "../engine/state.js";
import { replicationKeyOf } from "../streams/index.js";
import { type OutputWriter, recordLines } from "./output.js";

export { singerLogLine } from "./log-line.js";

/** singer-python's `time_extracted` format: microseconds and a Z. */
function timeExtracted(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z");
}

/**
 * Engine events as Singer messages: SCHEMA, RECORD, STATE and ACTIVATE_VERSION lines on stdout, nothing else. A page of
 * records becomes one write; identical consecutive STATEs are dropped; `finish` ends the output with a STATE.
 */
export class SingerSerializer implements EventSink {
  private lastState = "";
  private lastWasState = false;
  /** Singer's STATE value holds every stream's bookmark; the engine's checkpoints are per stream */
  private readonly bookmarks: Bookmarks;
  /** the table version of each FULL_TABLE stream's snapshot (epoch ms, increasing) */
  private readonly versions = new Map<string, number>();
  private lastVersion = 0;

  constructor(
    private readonly out: OutputWriter,
    initial: Bookmarks,
  ) {
    this.bookmarks = { ...initial };
  }

  emit(event: EngineEvent): Promise<void> | undefined {
    switch (event.type) {
      case "schema": {
        const { def, method } = event.selection;
        const schema = event.schema ?? event.selection.schema;
        const rk = method === "INCREMENTAL" ? replicationKeyOf(def) : undefined;
        const message = {
          type: "SCHEMA",
          stream: def.name,
          schema,
          key_properties: def.primaryKey,
          ...(rk ? { bookmark_properties: [rk] } : {}),
        };
        this.lastWasState = false;
        return this.out.write(`${JSON.stringify(message)}\n`);
      }
      case "snapshot": {
        // A table version: `version` on every RECORD of a full read, and ACTIVATE_VERSION once the stream
        // completed, after its last RECORD, so a target drops the rows of older versions. Not before the first
        // RECORD as well: singer-sdk targets act on every ACTIVATE_VERSION at once (rows of older versions
        // soft-deleted, or deleted with `hard_delete`), so one at the start would take the table's rows away
        // for as long as the sync runs, and for good if it then fails. (On a first sync there is no table yet
        // and the message at the start does nothing.)
        // A resumed read carries no version: its earlier pages went out in an earlier run, under another one.
        if (event.phase === "begin") {
          if (event.resumed) {
            this.versions.delete(event.stream);
            return undefined;
          }
          const version = Math.max(Date.now(), this.lastVersion + 1);
          this.lastVersion = version;
          this.versions.set(event.stream, version);
          return undefined;
        }
        const version = this.versions.get(event.stream);
        // a read that may have missed rows must not make a target drop them
        if (version === undefined || !event.whole) return undefined;
        this.lastWasState = false;
        const message = { type: "ACTIVATE_VERSION", stream: event.stream, version };
        return this.out.write(`${JSON.stringify(message)}\n`);
      }
      case "records": {
        if (event.rows.length === 0) return undefined;
        const version = this.versions.get(event.stream);
        const head = `{"type":"RECORD","stream":${JSON.stringify(event.stream)},"record":`;
        const tail = `${version === undefined ? "" : `,"version":${version}`},"time_extracted":"${timeExtracted(event.extractedAt)}"}\n`;
        this.lastWasState = false;
        return this.out.write(recordLines(event.rows, head, tail));
      }
      case "state":
        this.bookmarks[event.stream] = event.state;
        return this.writeState(false);
      default:
        return undefined;
    }
  }

  /** A sync's output ends with a STATE after its last RECORD (classic targets only persist a trailing one). */
  finish(): Promise<void> | undefined {
    return this.writeState(true);
  }

  private writeState(force: boolean): Promise<void> | undefined {
    const line = `${JSON.stringify({ type: "STATE", value: { bookmarks: this.bookmarks } })}\n`;
    if (line === this.lastState && (this.lastWasState || !force)) return undefined;
    this.lastState = line;
    this.lastWasState = true;
    return this.out.write(line);
  }
}
