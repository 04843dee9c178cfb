import type { Config } from "../config.js";
import type { HttpClient } from "../http/client.js";
import { actionFor, type ErrorAction } from "../http/error-policy.js";
import { HttpError } from "../http/http-error.js";
import type { Logger } from "../log.js";
import type { StreamDef } from "../streams/index.js";
import type { EventSink } from "./events.js";
import type { Row } from "./paginator.js";
import { Prefetch } from "./prefetch.js";
import { type Progress, type ReadOutput, readStream } from "./read/index.js";
import { RecordShaper } from "./records.js";
import { isSnapshotRead, type Selection } from "./selection.js";
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
  /** sees each stream's summary as it starts, to report progress while it runs */
  watch?: (summary: StreamSummary) => void;
}

export interface StreamSummary {
  stream: string;
  outcome: "running" | "finished" | "failed" | "interrupted";
  records: number;
  pages: number;
  /** requests this stream made, as the server sees them: retries in, those cancelled before they left out */
  requests: number;
  /** start time, epoch ms */
  started: number;
  ms: number;
  /** how far along, where the stream knows its size: `done` of `total` `unit` */
  progress?: Progress;
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
 * A failing stream does not stop the others, except where the error table says `stop-sync` (a 401, or a 403
 * the account-wide probe also gets): a rejected key fails every stream alike. `skip-stream` ends a stream
 * with a warning, not a failure.
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

  // lifecycle lines only once the key is accepted: a rejected key gets one CRITICAL line, not one per stream
  const keyAccepted = options.http.keyAccepted.then(
    () => true,
    () => false,
  );
  const summaries = await Promise.all(
    selections.map(async (selection): Promise<StreamSummary> => {
      const name = selection.def.name;
      const started = Date.now();
      const summary: StreamSummary = {
        stream: name,
        outcome: "running",
        records: 0,
        pages: 0,
        requests: 0,
        started,
        ms: 0,
      };
      const state = bookmarks[name] ?? {};
      const announced = keyAccepted.then((ok) => {
        if (ok)
          log.info(`${name}: started, ${resumePoint(state)}`, { stream: name, event: "started", state });
        return ok;
      });
      options.watch?.(summary);
      const http = countingRequests(options.http, summary);
      // the stream's requests end with it: ones still out when it ends (a failed report window's siblings,
      // say) are cancelled, not left to run, retry and count after its summary
      const ended = new AbortController();
      const streamSignal = AbortSignal.any([signal, ended.signal]);
      let running = false;
      const shaper = new RecordShaper(selection, log, options.config.schemaEvolution);
      const snapshot = isSnapshotRead(selection);
      // said by the read once its cursor knows where it starts
      let began = false;
      // a read that may have missed rows is no snapshot (a destination would delete the rows it missed)
      let unreliable = false;
      await sink.emit({ type: "status", stream: name, status: "STARTED" });
      try {
        const out: ReadOutput = {
          begin: async (resumed: boolean) => {
            if (began) return;
            began = true;
            if (snapshot) await sink.emit({ type: "snapshot", stream: name, phase: "begin", resumed });
          },
          unreliable: (reason: string) => {
            if (unreliable) return;
            unreliable = true;
            const consequence = snapshot
              ? "; the rows read are sent, none of the destination's are dropped"
              : "";
            log.warn(`${name}: ${reason}${consequence}`, { stream: name, event: "unreliable" });
          },
          rows: async (rows: Row[]) => {
            if (rows.length === 0) {
              summary.pages++;
              return;
            }
            if (!running) {
              running = true;
              await sink.emit({ type: "status", stream: name, status: "RUNNING" });
            }
            const extractedAt = Date.now();
            // counted once written: a page whose output fails (a row nested too deep to serialize) is not
            // among the records a failure line says were sent
            const send = async (part: Row[]) => {
              await sink.emit({ type: "records", stream: name, rows: part, extractedAt });
              summary.records += part.length;
            };
            let start = 0;
            for (const { index, schema, changes } of shaper.takeEvolutions()) {
              if (index > start) await send(rows.slice(start, index));
              start = index;
              await sink.emit({ type: "schema", selection, schema, changes });
            }
            await send(start ? rows.slice(start) : rows);
            summary.pages++;
          },
          estimate: async (rows: number) => {
            await sink.emit({ type: "estimate", stream: name, rows });
          },
          progress: (progress: Progress) => {
            summary.progress = progress;
          },
          checkpoint: async (next: StreamState) => {
            bookmarks[name] = next;
            if (log.enabled("debug")) {
              log.debug(`${name}: checkpoint ${JSON.stringify(next)}`, { stream: name, event: "checkpoint" });
            }
            await sink.emit({ type: "state", stream: name, state: next });
          },
        };
        const { config } = options;
        await readStream({
          http,
          prefetch,
          config,
          selection,
          shaper,
          state,
          signpost,
          log,
          signal: streamSignal,
          out,
        });
        // an abort can end a read early without an error: that snapshot is partial
        if (snapshot && began && !signal.aborted)
          await sink.emit({ type: "snapshot", stream: name, phase: "complete", whole: !unreliable });
        summary.outcome = "finished";
        await sink.emit({ type: "status", stream: name, status: "COMPLETE" });
      } catch (error) {
        const action = streamAction(error, selection.def);
        // "nothing to read here" holds only for an answer before any page: later, it cuts the stream short
        if (action === "skip-stream" && summary.pages === 0 && !signal.aborted) {
          // the table (or this stream's row) says this answer means "nothing to read here", not a failure
          log.warn(`${name}: skipped: ${(error as Error).message}`, { stream: name, event: "skipped" });
          summary.outcome = "finished";
          await sink.emit({ type: "status", stream: name, status: "COMPLETE" });
        } else {
          summary.outcome = "interrupted";
          // an abort (signal, closed stdout, another stream's sync-wide stop) is not this stream's failure; a
          // rejected key (401, or a 403 for the whole account) is the sync's failure, said once
          const stopsSync = action === "stop-sync";
          if (!signal.aborted && !(stopsSync && failures.some((f) => stopsTheSync(f.error)))) {
            summary.outcome = "failed";
            summary.error = error as Error;
            failures.push({ stream: name, error: error as Error });
            if (stopsSync) stop.abort(error);
          }
          await sink.emit({ type: "status", stream: name, status: "INCOMPLETE", error: error as Error });
        }
      }
      ended.abort(new Error(`${name} ended`));
      await http.settled();
      summary.ms = Date.now() - started;
      if (await announced) logOutcome(log, summary);
      return summary;
    }),
  );
  return { streams: summaries, failures, interrupted: options.signal.aborted };
}

/** A failure that ends the whole sync (a rejected key): the account's, not the stream that met it first. */
export function stopsTheSync(error: Error): boolean {
  return error instanceof HttpError && error.rule.action === "stop-sync";
}

/** What the error table, with this stream's overrides, says a stream's error means. */
function streamAction(error: unknown, def: StreamDef): ErrorAction {
  if (!(error instanceof HttpError)) return "fail";
  return actionFor(error.rule, error.status, def.onError);
}

/** Where a stream starts: from scratch, a page it reached, or its bookmark. */
function resumePoint(state: StreamState): string {
  const parts: string[] = [];
  if (state.replication_key_value) {
    parts.push(`bookmark ${state.replication_key ?? "cursor"} >= ${state.replication_key_value}`);
  }
  if (state.offset?.page && state.offset.page > 1) {
    parts.push(
      `resuming${state.offset.pass ? ` the ${state.offset.pass} pass` : ""} at page ${state.offset.page}`,
    );
  }
  return parts.length ? parts.join(", ") : "no bookmark: reading from the start";
}

function logOutcome(log: Logger, s: StreamSummary): void {
  const figures = `${s.records} records, ${s.pages} pages, ${s.requests} requests in ${(s.ms / 1000).toFixed(1)} s`;
  const fields = {
    stream: s.stream,
    event: s.outcome,
    records: s.records,
    pages: s.pages,
    requests: s.requests,
    ms: s.ms,
  };
  if (s.outcome === "finished") log.info(`${s.stream}: finished: ${figures}`, fields);
  else if (s.outcome === "failed")
    log.error(`${s.stream}: failed after ${figures}: ${s.error?.message}`, fields);
  else
    log.warn(
      `${s.stream}: interrupted, not complete, after ${figures}; the next sync resumes from its last STATE`,
      fields,
    );
}

/**
 * The shared client, counting this stream's requests as the client does (retries in, those cancelled before
 * they left out) and how many are unsettled: a stream's requests cancelled at its end (pages asked ahead past a
 * list's last) settle after the read returns, and its summary waits for them to count right. A count, not the
 * answers themselves: a long-lived set holding each young answer kept every parsed page alive into V8's old
 * generation (peak RSS 136 -> 155-195 MB on a 106k-record sync).
 */
function countingRequests(
  http: HttpClient,
  summary: StreamSummary,
): HttpClient & { settled(): Promise<void> } {
  let unsettled = 0;
  let allSettled: (() => void) | undefined;
  const settle = () => {
    if (--unsettled === 0) allSettled?.();
  };
  const counted = Object.create(http) as HttpClient & { settled(): Promise<void> };
  counted.getJson = (path, query, signal) => {
    const answer = http.getJson(path, query, signal, summary);
    unsettled++;
    answer.then(settle, settle);
    return answer;
  };
  counted.settled = () =>
    unsettled === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          allSettled = resolve;
        });
  return counted;
}
