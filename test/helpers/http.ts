import { MockAgent } from "undici";
import { checkPath } from "../../src/app/connect.js";
import { HttpClient, type HttpClientOptions } from "../../src/http/client.js";
import { RateBudget } from "../../src/http/rate-budget.js";
import { createLogger, Redactor } from "../../src/log.js";

export function mockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

/** An HttpClient on a MockAgent with millisecond backoff, capturing its log lines. */
export function testClient(
  agent: MockAgent,
  opts: {
    maxRetries?: number;
    requestsPerMinute?: number;
    observe?: HttpClientOptions["observe"];
    backoff?: { baseMs: number; maxMs: number };
    /** the rate window (default 60 s): a 429'd request retries for at least this long */
    windowMs?: number;
  } = {},
) {
  const lines: string[] = [];
  const log = createLogger(
    "debug",
    (level, message) => lines.push(`${level} ${message}`),
    new Redactor(["secret-key-123"]),
  );
  const budget = new RateBudget(opts.requestsPerMinute ?? 10_000, opts.windowMs);
  const http = new HttpClient({
    baseUrl: "https://api.test/api/v2",
    apiKey: "secret-key-123",
    accountId: "acc-1",
    userAgent: "test",
    timeoutMs: 2000,
    retry: { maxRetries: opts.maxRetries ?? 3, ...(opts.backoff ?? { baseMs: 1, maxMs: 5 }) },
    budget,
    maxConcurrency: 4,
    log,
    dispatcher: agent,
    probePath: checkPath(),
    observe: opts.observe,
  });
  return { http, log, lines, budget };
}
