import type { Selection } from "../../engine/selection.js";
import { InputError, TapError } from "../../errors.js";
import type { Logger } from "../../log.js";
import { DuckDbLoader } from "./loader.js";

export type { TableCounts } from "./loader.js";
export { DuckDbLoader };

/**
 * Opens (or creates) the database file and prepares every selected stream's table. `@duckdb/node-api` is an
 * optional dependency, imported here only: Singer and Airbyte runs never load it.
 */
export async function openDuckDb(path: string, selections: Selection[], log: Logger): Promise<DuckDbLoader> {
  let duckdb: typeof import("@duckdb/node-api");
  try {
    duckdb = await import("@duckdb/node-api");
  } catch {
    throw new InputError(
      "--to duckdb: needs the optional package @duckdb/node-api: run `npm install @duckdb/node-api` beside tap-firstpromoter",
    );
  }
  let instance: import("@duckdb/node-api").DuckDBInstance;
  try {
    instance = await duckdb.DuckDBInstance.create(path);
  } catch (error) {
    throw openError(path, error as Error);
  }
  try {
    return await DuckDbLoader.open(instance, selections, log, path);
  } catch (error) {
    instance.closeSync();
    throw error;
  }
}

/** DuckDB's open errors, as one line that says what to do. */
function openError(path: string, error: Error): TapError {
  const message = error.message.replace(/\s+/g, " ").trim();
  if (/lock/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new TapError(
      `${path} is in use by another process${pid ? ` (PID ${pid})` : ""}: wait for it to finish or close it`,
      "transient_error",
    );
  }
  if (/not a valid DuckDB database/i.test(message)) {
    return new InputError(`${path} exists but is not a DuckDB database: choose another path`);
  }
  return new InputError(`cannot open ${path} as a DuckDB database: ${message.replace(/^IO Error: /, "")}`);
}
