import type { Config } from "../config.js";
import type { EventSink } from "../engine/events.js";
import type { Selection } from "../engine/selection.js";
import type { Bookmarks } from "../engine/state.js";
import { runSync, type SyncResult } from "../engine/sync.js";
import type { Logger } from "../log.js";
import type { OutputWriter } from "../protocol/output.js";
import { connect } from "./connect.js";
import { Heartbeat } from "./heartbeat.js";
import type { Interrupts } from "./interrupts.js";
import { Metrics } from "./metrics.js";

export interface ReadOptions {
  config: Config;
  selections: Selection[];
  bookmarks: Bookmarks;
  sink: EventSink;
  out: OutputWriter;
  log: Logger;
  interrupts: Interrupts;
}

/** One sync, whichever protocol speaks: engine -> sink -> stdout, then a per-stream summary on the log. */
export async function read(options: ReadOptions): Promise<SyncResult> {
  const { config, log, out, interrupts } = options;
  out.onClosed(() => interrupts.stdoutClosed());
  const metrics = new Metrics(log);
  let heartbeat: Heartbeat | undefined;
  const http = connect(config, log, {
    observe: (path, ms, ok, status) => {
      metrics.observeRequest(path, ms, ok, status);
      heartbeat?.observeRequest();
    },
  });
  heartbeat = new Heartbeat(
    log,
    http.stats,
    config.requestsPerMinute,
    () => http.rateLimit,
    () => http.rateHeld,
  );
  const ticker = setInterval(() => metrics.flush(), metricsIntervalMs());
  ticker.unref();
  const beats = setInterval(() => heartbeat.beat(), config.heartbeatMs);
  beats.unref();
  const sink: EventSink = {
    emit: (event) => {
      if (event.type === "records") metrics.countRecords(event.stream, event.rows.length);
      return options.sink.emit(event);
    },
  };
  const started = Date.now();
  let keyRejected = false;
  http.keyAccepted.then(
    () =>
      log.info(
        `syncing ${options.selections.length} streams from ${config.baseUrl} (${config.requestsPerMinute} requests/min, up to ${config.maxConcurrency} in flight)`,
      ),
    () => {
      keyRejected = true;
    },
  );
  try {
    const result = await runSync({
      config,
      http,
      selections: options.selections,
      bookmarks: options.bookmarks,
      sink,
      log,
      signal: interrupts.signal,
      watch: (summary) => heartbeat.watch(summary),
    });
    // a rejected key is the sync's one line (the CRITICAL that follows), with no summary around it
    if (keyRejected) return result;
    const { requests, retries, rateLimited, cancelled, unusedAhead } = http.stats;
    log.info(
      `sync ${result.failures.length ? "failed" : interrupts.signal.aborted ? "interrupted" : "done"} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${requests} requests, ${retries} retries, ${rateLimited} rate-limited, ${cancelled} cancelled, ${unusedAhead} requested ahead and unused`,
    );
    // The controller keeps the sync going under a shared quota, but a tap over its share makes the other
    // clients' requests fail too: what the user can set is the rate this sync starts from.
    if (rateLimited >= MANY_429S.count && rateLimited >= requests * MANY_429S.share) {
      log.warn(
        `${rateLimited} of ${requests} requests were answered 429: other clients share the account's quota, or it is below requests_per_minute (${config.requestsPerMinute}); a lower requests_per_minute keeps this sync under it and leaves the others room`,
      );
    }
    return result;
  } finally {
    clearInterval(ticker);
    clearInterval(beats);
    if (!keyRejected) metrics.flush();
    await http.close();
  }
}

/** 429s that say the account is busier than requests_per_minute allows for: at least this many, and this share */
const MANY_429S = { count: 5, share: 0.05 };

/** METRIC lines every 60 s, like singer-python; TAP_FIRSTPROMOTER_METRICS_INTERVAL_S changes it. */
function metricsIntervalMs(): number {
  const seconds = Number(process.env.TAP_FIRSTPROMOTER_METRICS_INTERVAL_S);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000;
}
