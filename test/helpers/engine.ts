import { parseConfig } from "../../src/config.js";
import type { Row } from "../../src/engine/paginator.js";
import { Prefetch } from "../../src/engine/prefetch.js";
import { readStream } from "../../src/engine/read/index.js";
import { RecordShaper } from "../../src/engine/records.js";
import { resolveSelections } from "../../src/engine/selection.js";
import type { StreamState } from "../../src/engine/state.js";
import type { HttpClient, Query } from "../../src/http/client.js";
import { createLogger, Redactor } from "../../src/log.js";

export type Handler = (path: string, query: URLSearchParams) => unknown;

export class Killed extends Error {}

/**
 * Runs one stream's read against an in-process fake API (no HTTP), capturing rows, checkpoints and log
 * lines. `killAfterPages` throws after that many emitted pages, like a SIGKILL after the page's STATE.
 */
export async function runStream(opts: {
  stream: string;
  method?: "INCREMENTAL" | "FULL_TABLE";
  handler: Handler;
  state?: StreamState;
  config?: Record<string, unknown>;
  killAfterPages?: number;
  signpost?: Date;
}) {
  const lines: string[] = [];
  const rows: Row[] = [];
  const states: StreamState[] = [];
  const log = createLogger("debug", (level, m) => lines.push(`${level} ${m}`), new Redactor(["k"]));
  const fake = {
    async getJson(path: string, query: Query) {
      return structuredClone(
        opts.handler(path, new URLSearchParams(query.map(([k, v]) => [k, v] as [string, string]))),
      );
    },
    endpointOf: (path: string) => path,
  } as unknown as HttpClient;
  const config = parseConfig({ api_key: "k", account_id: "a", ...opts.config });
  const [selection] = resolveSelections(
    [{ name: opts.stream, method: opts.method ?? "INCREMENTAL" }],
    "catalog",
  );
  let pages = 0;
  let killed = false;
  try {
    await readStream({
      http: fake,
      prefetch: new Prefetch(fake, 0),
      config,
      selection: selection!,
      shaper: new RecordShaper(selection!, log),
      state: opts.state ?? {},
      signpost: opts.signpost ?? new Date(),
      log,
      signal: new AbortController().signal,
      out: {
        async begin() {},
        unreliable(reason) {
          lines.push(`warn unreliable: ${reason}`);
        },
        async rows(r) {
          rows.push(...r);
        },
        async checkpoint(s) {
          states.push(structuredClone(s));
          if (opts.killAfterPages !== undefined && ++pages >= opts.killAfterPages) throw new Killed();
        },
        async estimate() {},
        progress() {},
      },
    });
  } catch (error) {
    if (!(error instanceof Killed)) throw error;
    killed = true;
  }
  return { rows, states, lines, killed, last: states.at(-1) ?? {} };
}

/** A list endpoint over `data` (rows in that order), honouring page/per_page and `filters[f][from]`, no sort. */
export function pagedList(data: () => Row[]): Handler {
  return (_path, q) => {
    const page = Number(q.get("page") ?? 1);
    const per = Number(q.get("per_page") ?? 100);
    let rows = data();
    for (const [key, value] of q) {
      const field = /^filters\[(\w+)\]\[from\]$/.exec(key)?.[1];
      if (field)
        rows = rows.filter((r) => typeof r[field] === "string" && (r[field] as string).slice(0, 10) >= value);
    }
    return rows.slice((page - 1) * per, page * per);
  };
}

/** `n` rows with ids 1..n and a created_at per `day`. */
export const rows = (
  n: number,
  day = (i: number) => `2025-03-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`,
) => Array.from({ length: n }, (_, i): Row => ({ id: i + 1, name: `row ${i + 1}`, created_at: day(i) }));

/** The handler, and every query it was asked, as `path?query` strings. */
export function recording(handler: Handler): { handler: Handler; asked: URLSearchParams[]; paths: string[] } {
  const asked: URLSearchParams[] = [];
  const paths: string[] = [];
  return {
    asked,
    paths,
    handler: (path, q) => {
      paths.push(path);
      asked.push(new URLSearchParams(q));
      return handler(path, q);
    },
  };
}
