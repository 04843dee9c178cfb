import type { Config } from "../config.js";
import type { Selection } from "../engine/selection.js";
import type { SyncResult } from "../engine/sync.js";
import { InputError } from "../errors.js";
import { type Logger, Redactor } from "../log.js";
import { OutputWriter } from "../protocol/output.js";
import { Interrupts } from "./interrupts.js";
import { read } from "./read.js";

/** `--to <kind>:<target>`; only `duckdb:<file>` so far. */
export function parseDestination(spec: string): { kind: "duckdb"; path: string } {
  const match = /^duckdb:(.+)$/.exec(spec);
  if (!match) throw new InputError(`--to ${spec}: expected duckdb:<file.duckdb>`);
  return { kind: "duckdb", path: match[1]! };
}

export interface LoadResult {
  result: SyncResult;
  interrupts: Interrupts;
}

/**
 * A sync into a database instead of stdout: the same engine, the loader as its sink. The state comes from
 * the database and goes back into it; stdout gets the per-table summary.
 */
export async function loadInto(
  spec: string,
  options: { config: Config; selections: Selection[]; log: Logger },
): Promise<LoadResult> {
  const { path } = parseDestination(spec);
  const { openDuckDb } = await import("../destination/duckdb/index.js");
  const loader = await openDuckDb(path, options.selections, options.log);
  const secrets = new Redactor([options.config.apiKey]);
  loader.maskWith((text) => secrets.mask(text));
  const out = new OutputWriter(process.stdout);
  const interrupts = new Interrupts();
  try {
    const result = await read({ ...options, bookmarks: loader.bookmarks, sink: loader, out, interrupts });
    await loader.finish();
    const rows = loader.counts();
    const width = Math.max(5, ...rows.map((r) => r.table.length));
    let text = `${"table".padEnd(width)}  inserted   updated   deleted\n`;
    for (const r of rows) {
      text += `${r.table.padEnd(width)}  ${String(r.inserted).padStart(8)}  ${String(r.updated).padStart(8)}  ${String(r.deleted).padStart(8)}\n`;
    }
    await out.write(text);
    return { result, interrupts };
  } finally {
    await loader.close();
  }
}
