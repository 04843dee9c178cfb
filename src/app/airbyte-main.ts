import { type Config, loadConfig, warnUnknownKeys } from "../config.js";
import { resolveSelections } from "../engine/selection.js";
import type { Bookmarks } from "../engine/state.js";
import { stopsTheSync } from "../engine/sync.js";
import { TapError } from "../errors.js";
import { PROBE_QUERY } from "../http/client.js";
import { checkAdvice } from "../http/error-policy.js";
import { HttpError } from "../http/http-error.js";
import { readJsonFile } from "../json-file.js";
import { createLogger, type Logger, type LogLevel, Redactor } from "../log.js";
import { AirbyteSerializer } from "../protocol/airbyte.js";
import { airbyteCatalog, parseConfiguredCatalog } from "../protocol/airbyte-catalog.js";
import { connectionStatus, logMessage, traceError } from "../protocol/airbyte-messages.js";
import { airbyteSpec } from "../protocol/airbyte-spec.js";
import { parseAirbyteState } from "../protocol/airbyte-state.js";
import { OutputWriter } from "../protocol/output.js";
import { checkPath, connect } from "./connect.js";
import { Interrupts } from "./interrupts.js";
import { read } from "./read.js";

export type AirbyteCommand = "spec" | "check" | "discover" | "read";

export interface AirbyteArgs {
  command: AirbyteCommand;
  /** config files in merge order (`ENV`: environment variables) */
  config?: string | readonly string[] | undefined;
  catalog?: string | undefined;
  state?: string | undefined;
  logLevel: LogLevel;
}

/** Airbyte mode: every line on stdout is an AirbyteMessage; logs are LOG messages. Returns the exit code. */
export async function airbyteMain(args: AirbyteArgs): Promise<number> {
  const out = new OutputWriter(process.stdout);
  let redactor = new Redactor([]);
  let log = createLogger(args.logLevel, (level, message) => out.write(logMessage(level, message)), redactor);
  try {
    if (args.command === "spec") {
      await out.write(`${JSON.stringify({ type: "SPEC", spec: airbyteSpec() })}\n`);
      return 0;
    }
    if (!args.config || args.config.length === 0)
      throw new TapError(`${args.command} needs --config <file>`, "config_error");
    let config: Config;
    try {
      config = await loadConfig(args.config);
    } catch (error) {
      if (args.command === "check" && error instanceof TapError) {
        await out.write(connectionStatus("FAILED", error.message));
        return 0;
      }
      throw error;
    }
    const secrets = new Redactor([config.apiKey]);
    redactor = secrets;
    out.maskWith((text) => secrets.mask(text));
    log = createLogger(args.logLevel, (level, message) => out.write(logMessage(level, message)), redactor);
    warnUnknownKeys(log, config);
    if (args.command === "check") return await check(config, out, log, redactor);
    if (args.command === "discover") {
      await out.write(`${JSON.stringify({ type: "CATALOG", catalog: airbyteCatalog() })}\n`);
      return 0;
    }
    if (!args.catalog) throw new TapError("read needs --catalog <configured_catalog.json>", "config_error");
    const source = `catalog file ${args.catalog}`;
    const selections = resolveSelections(
      parseConfiguredCatalog(await readJsonFile(args.catalog, "catalog"), source),
      source,
      (name) =>
        log.warn(`${source}: stream "${name}" is not one this source has (removed or renamed); skipped`),
    );
    const bookmarks: Bookmarks = args.state
      ? parseAirbyteState(await readJsonFile(args.state, "state"), `state file ${args.state}`, log)
      : {};
    const interrupts = new Interrupts();
    const sink = new AirbyteSerializer(out);
    // the platform fixes the configured catalog: a schema cannot evolve mid-sync, so evolve means warn
    const schemaEvolution = config.schemaEvolution === "strict" ? "strict" : "warn";
    const result = await read({
      config: { ...config, schemaEvolution },
      selections,
      bookmarks,
      sink,
      out,
      log,
      interrupts,
    });
    const stopped = await interrupts.stopped((reason) =>
      out.write(traceError(`sync ${reason}`, "transient_error")),
    );
    if (stopped !== undefined) return stopped;
    for (const f of result.failures) {
      const failureType = f.error instanceof TapError ? f.error.failureType : "system_error";
      // a rejected key is the sync's failure: no stream descriptor pins it on the stream that met it first
      const stream = stopsTheSync(f.error) ? undefined : f.stream;
      const what = stream ? `stream ${stream} failed` : "sync stopped";
      const text = redactor.redact(`${what}: ${f.error.message}`);
      await out.write(traceError(text, failureType, { stream, ...stackOf(f.error, log, redactor) }));
    }
    return result.failures.length ? 1 : 0;
  } catch (error) {
    const failureType = error instanceof TapError ? error.failureType : "system_error";
    const message = redactor.redact(
      error instanceof TapError ? error.message : `unexpected error: ${(error as Error).message}`,
    );
    await out.write(traceError(message, failureType, stackOf(error, log, redactor)));
    return 1;
  }
}

/** The stack (debug only), redacted like every other output: a server's message may echo the key. */
function stackOf(error: unknown, log: Logger, redactor: Redactor): { stack?: string } {
  return log.enabled("debug") && error instanceof Error && error.stack
    ? { stack: redactor.redact(error.stack) }
    : {};
}

/** One cheap real call (one row of the table's CHECK_STREAM), few retries: SUCCEEDED, or FAILED with what to fix. */
async function check(config: Config, out: OutputWriter, log: Logger, redactor: Redactor): Promise<number> {
  const http = connect(config, log, { maxRetries: 2, timeoutMs: Math.min(config.requestTimeoutMs, 30_000) });
  try {
    await http.getJson(checkPath(), PROBE_QUERY);
    await out.write(connectionStatus("SUCCEEDED"));
    return 0;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    // the server's message may echo the key (an error body quoting the Authorization header)
    const advice = `${checkAdvice(error.kind, error.lastCause, config.baseUrl)} (${error.message})`;
    await out.write(connectionStatus("FAILED", redactor.redact(advice)));
    return 0;
  } finally {
    await http.close();
  }
}
