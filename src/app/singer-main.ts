import { loadConfig, warnUnknownKeys } from "../config.js";
import { defaultRequests, resolveSelections, type SelectionRequest } from "../engine/selection.js";
import type { Bookmarks } from "../engine/state.js";
import { type SyncResult, stopsTheSync } from "../engine/sync.js";
import { InputError, TapError } from "../errors.js";
import { readJsonFile } from "../json-file.js";
import {
  createLogger,
  type LogFields,
  type LogFormat,
  type Logger,
  type LogLevel,
  Redactor,
} from "../log.js";
import { OutputWriter } from "../protocol/output.js";
import { SingerSerializer, singerLogLine } from "../protocol/singer.js";
import { parseSingerCatalog, singerCatalog } from "../protocol/singer-catalog.js";
import { parseSingerState } from "../protocol/singer-state.js";
import { Interrupts } from "./interrupts.js";
import { read } from "./read.js";

export interface SingerArgs {
  /** config files in merge order (`ENV`: environment variables) */
  config?: string | readonly string[] | undefined;
  catalog?: string | undefined;
  properties?: string | undefined;
  state?: string | undefined;
  discover?: boolean | undefined;
  /** `duckdb:<file>`: load into a database instead of writing Singer messages */
  to?: string | undefined;
  logLevel: LogLevel;
  logFormat?: LogFormat | undefined;
}

/** Singer mode: `--discover`, or a sync to stdout. Returns the exit code. */
export async function singerMain(args: SingerArgs): Promise<number> {
  const redactor = new Redactor([]);
  const format = args.logFormat ?? "text";
  const singerSink = (level: LogLevel, message: string, fields?: LogFields): void => {
    process.stderr.write(singerLogLine(level, message, fields, format));
  };
  let log = createLogger(args.logLevel, singerSink, redactor);
  try {
    if (!args.config || args.config.length === 0)
      throw new TapError("missing --config <file> (see --help)", "config_error");
    const config = await loadConfig(args.config);
    const secrets = new Redactor([config.apiKey]);
    log = createLogger(args.logLevel, singerSink, secrets);
    warnUnknownKeys(log, config);
    const out = new OutputWriter(process.stdout);
    out.maskWith((text) => secrets.mask(text));
    if (args.discover) {
      await out.write(`${JSON.stringify(singerCatalog(), null, 2)}\n`);
      return 0;
    }
    const catalogPath = args.catalog ?? args.properties;
    const requests: SelectionRequest[] = catalogPath
      ? parseSingerCatalog(await readJsonFile(catalogPath, "catalog"), `catalog file ${catalogPath}`)
      : defaultRequests();
    const selections = resolveSelections(
      requests,
      catalogPath ? `catalog file ${catalogPath}` : "default catalog",
    );
    if (args.to) {
      if (args.state) throw new InputError("--state is not used with --to: the state lives in the database");
      const { loadInto } = await import("./destination-main.js");
      const { result, interrupts } = await loadInto(args.to, { config, selections, log });
      return await outcome(log, result, interrupts);
    }
    const bookmarks: Bookmarks = args.state
      ? parseSingerState(await readJsonFile(args.state, "state"), `state file ${args.state}`, log)
      : {};
    if (selections.length === 0) log.warn("the catalog selects no stream; nothing to sync");
    const interrupts = new Interrupts();
    const serializer = new SingerSerializer(out, bookmarks);
    const result = await read({ config, selections, bookmarks, sink: serializer, out, log, interrupts });
    await serializer.finish();
    return await outcome(log, result, interrupts);
  } catch (error) {
    fatal(
      log,
      error instanceof TapError ? error.message : `unexpected error: ${(error as Error).message}`,
      error,
    );
    return error instanceof TapError && error.failureType === "config_error" ? 2 : 1;
  }
}

/** The exit code of a finished sync: a signal's, 1 for a failed stream, else 0. */
async function outcome(log: Logger, result: SyncResult, interrupts: Interrupts): Promise<number> {
  const stopped = await interrupts.stopped((reason) => log.error(`${reason}; the last STATE stands`));
  if (stopped !== undefined) return stopped;
  // each failed stream said so as it failed; the first failure is the sync's reason
  const [first] = result.failures;
  if (!first) return 0;
  const what = stopsTheSync(first.error) ? "sync stopped" : `stream ${first.stream} failed`;
  fatal(log, `${what}: ${first.error.message}`, first.error);
  return 1;
}

/** One CRITICAL line; the stack only at debug level. */
function fatal(log: Logger, message: string, error: unknown): void {
  log.fatal(message);
  if (log.enabled("debug") && error instanceof Error && error.stack) log.debug(error.stack);
}
