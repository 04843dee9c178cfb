import type { Config } from "../config.js";
import type { HttpClient } from "../http/client.js";
import { HttpError } from "../http/http-error.js";
import type { Logger } from "../log.js";
import type { EventSink } from "./events.js";
import type { Row } from "./paginator.js";
import { Prefetch } from "./prefetch.js";
import { readStream } from "./read-stream.js";
import { RecordShaper } from "./records.js";
import type { Selection } from "./selection.js";
import type { Bookmarks, StreamState } from "./state.js";

export interface SyncOptions {
  config: Config;
  http: HttpClient;
  selections: Selection[];
  bookmarks: Bookmarks;
  sink: EventSink;
  log: Logger;
  /** aborted on SIGINT/SIGTERM or when stdout closes: stop fetching, keep the last checkpoint */
  signal: AbortSignal;
}

export interface StreamSummary {
  stream: string;
  records: number;
  pages: number;
  ms: number;
  error?: Error;
}

export interface StreamFailure {
  stream: string;
  error: Error;
}

export interface SyncResult {
  streams: StreamSummary[];
  /** streams that failed on their own, first failure first */
  failures: StreamFailure[];
  /** stopped by a signal or a closed stdout */
  interrupted: boolean;
}

/**
 * Runs every selected stream concurrently inside the one HTTP core (shared rate budget, bounded in-flight).
 * A failing stream does not stop the others, except on a 401: a rejected key fails every stream alike.
 */
export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const { selections, sink, log } = options;
  const bookmarks: Bookmarks = { ...options.bookmarks };
  const signpost = new Date();
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);

  const failures: StreamFailure[] = [];
  const prefetch = new Prefetch(options.http, options.config.maxConcurrency);
  for (const selection of selections) await sink.emit({ type: "schema", selection });

  const summaries = await Promise.all(
    selections.map(async (selection): Promise<StreamSummary> => {
      const name = selection.def.name;
      const summary: StreamSummary = { stream: name, records: 0, pages: 0, ms: 0 };
      const started = Date.now();
      let running = false;
      const shaper = new RecordShaper(selection, log, options.config.schemaEvolution);
      // a whole table, read from its start: a resumed read (offset) holds only the pages after the interruption,
      // and a report covers a window of history (the default one slides), so neither may replace what came before
      const snapshot = selection.method === "FULL_TABLE" && !selection.def.report && !bookmarks[name]?.offset;
      await sink.emit({ type: "status", stream: name, status: "STARTED" });
      try {
        if (snapshot) await sink.emit({ type: "snapshot", stream: name, phase: "begin" });
        await readStream({
          http: options.http,
          prefetch,
          config: options.config,
          selection,
          shaper,
          state: bookmarks[name] ?? {},
          signpost,
          log,
          signal,
          emitRows: async (rows: Row[]) => {
            summary.pages++;
            if (rows.length === 0) return;
            if (!running) {
              running = true;
              await sink.emit({ type: "status", stream: name, status: "RUNNING" });
            }
            summary.records += rows.length;
            const extractedAt = Date.now();
            let start = 0;
            for (const { index, schema, changes } of shaper.takeEvolutions()) {
              if (index > start) {
                await sink.emit({
                  type: "records",
                  stream: name,
                  rows: rows.slice(start, index),
                  extractedAt,
                });
              }
              start = index;
              await sink.emit({ type: "schema", selection, schema, changes });
            }
            await sink.emit({
              type: "records",
              stream: name,
              rows: start ? rows.slice(start) : rows,
              extractedAt,
            });
          },
          estimate: async (rows: number) => {
            await sink.emit({ type: "estimate", stream: name, rows });
          },
          checkpoint: async (state: StreamState) => {
            bookmarks[name] = state;
            await sink.emit({ type: "state", stream: name, state, bookmarks });
          },
        });
        // an abort can end a read early without an error: that snapshot is partial
        if (snapshot && !signal.aborted)
          await sink.emit({ type: "snapshot", stream: name, phase: "complete" });
        await sink.emit({ type: "status", stream: name, status: "COMPLETE" });
      } catch (error) {
        // an abort (signal, closed stdout, another stream's 401) is not this stream's failure
        if (!signal.aborted) {
          summary.error = error as Error;
          failures.push({ stream: name, error: error as Error });
          if (error instanceof HttpError && error.kind === "auth") stop.abort(error);
        }
        await sink.emit({ type: "status", stream: name, status: "INCOMPLETE", error: error as Error });
      }
      summary.ms = Date.now() - started;
      return summary;
    }),
  );
  return { streams: summaries, failures, interrupted: options.signal.aborted };
}
