import { createRequire } from "node:module";
import type { Dispatcher, Agent as UndiciAgent } from "undici";

// undici's index loads every dispatcher, mock, cache and web API it ships, and Node's own bundled undici
// with them: ~50 ms of start-up, spent before the first request can leave. The HTTP core needs two pieces,
// required directly (undici has no "exports" map; the types are the index's own).
const require = createRequire(import.meta.url);

export const Agent = require("undici/lib/dispatcher/agent") as typeof UndiciAgent;

const apiRequest = require("undici/lib/api/api-request") as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

export type RequestOptions = Omit<Dispatcher.RequestOptions, "origin" | "path">;

/** undici's `request(url, options)`, always on the given dispatcher (never the global one). */
export function request(
  url: URL,
  dispatcher: Dispatcher,
  options: RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, {
    ...options,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
  });
}
