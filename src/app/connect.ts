import type { Dispatcher } from "undici";
import type { Config } from "../config.js";
import { HttpClient } from "../http/client.js";
import { RateBudget } from "../http/rate-budget.js";
import type { Logger } from "../log.js";
import { CHECK_STREAM, findStream } from "../streams/index.js";

/** The path `check` reads and the HTTP core probes the account with: the check stream's, from the table. */
export function checkPath(): string {
  const def = findStream(CHECK_STREAM);
  if (!def) throw new Error(`CHECK_STREAM "${CHECK_STREAM}" is not in the stream table`);
  return def.path;
}

/** The HTTP core for a config: one rate budget shared by every stream of this process. */
export function connect(
  config: Config,
  log: Logger,
  overrides: {
    maxRetries?: number;
    timeoutMs?: number;
    dispatcher?: Dispatcher;
    observe?: (path: string, ms: number, ok: boolean, status?: number) => void;
  } = {},
): HttpClient {
  return new HttpClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    accountId: config.accountId,
    userAgent: config.userAgent,
    timeoutMs: overrides.timeoutMs ?? config.requestTimeoutMs,
    retry: {
      maxRetries: overrides.maxRetries ?? config.maxRetries,
      baseMs: config.backoffBaseMs,
      maxMs: config.backoffMaxMs,
    },
    budget: new RateBudget(config.requestsPerMinute),
    maxConcurrency: config.maxConcurrency,
    maxResponseBytes: config.maxResponseBytes,
    log,
    probePath: checkPath(),
    ...(overrides.dispatcher ? { dispatcher: overrides.dispatcher } : {}),
    ...(overrides.observe ? { observe: overrides.observe } : {}),
  });
}
