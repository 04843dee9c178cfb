import { describeAjvError } from "./ajv.js";
import { CONFIG_SCHEMA } from "./config-schema.js";
import { InputError } from "./errors.js";
import { validateConfig as validate } from "./generated/validators.js";
import { isPlainObject, readJsonFile } from "./json-file.js";
import { VERSION } from "./version.js";

export interface Config {
  apiKey: string;
  accountId: string;
  /** floor for incremental streams and reports, as a Date (start of day for a bare date) */
  startDate: Date | undefined;
  lookbackDays: number;
  reportsGroupBy: "day" | "month";
  baseUrl: string;
  pageSize: number;
  requestsPerMinute: number;
  maxConcurrency: number;
  requestTimeoutMs: number;
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  userAgent: string;
  heartbeatMs: number;
}

const defaults = Object.fromEntries(
  Object.entries(CONFIG_SCHEMA.properties).flatMap(([key, spec]) =>
    "default" in spec ? [[key, spec.default]] : [],
  ),
) as Record<string, unknown>;

/** Validates a parsed config object; throws one InputError line that names the offending key. */
export function parseConfig(raw: unknown, source = "config"): Config {
  if (!isPlainObject(raw)) throw new InputError(`${source}: expected a JSON object`);
  if (!validate(raw)) {
    const error = validate.errors?.[0];
    throw new InputError(`${source}: ${error ? describeAjvError(error) : "invalid"}`);
  }
  const c = { ...defaults, ...raw } as Record<string, unknown>;
  let startDate: Date | undefined;
  if (typeof c.start_date === "string") {
    const text = c.start_date.length === 10 ? `${c.start_date}T00:00:00Z` : c.start_date;
    startDate = new Date(text);
    if (Number.isNaN(startDate.getTime())) {
      throw new InputError(`${source}: "start_date" is not a valid date: ${JSON.stringify(c.start_date)}`);
    }
  }
  return {
    apiKey: c.api_key as string,
    accountId: c.account_id as string,
    startDate,
    lookbackDays: c.lookback_days as number,
    reportsGroupBy: c.reports_group_by as "day" | "month",
    baseUrl: (c.base_url as string).replace(/\/+$/, ""),
    pageSize: c.page_size as number,
    requestsPerMinute: c.requests_per_minute as number,
    maxConcurrency: c.max_concurrency as number,
    requestTimeoutMs: (c.request_timeout_s as number) * 1000,
    maxRetries: c.max_retries as number,
    backoffBaseMs: (c.backoff_base_s as number) * 1000,
    backoffMaxMs: (c.backoff_max_s as number) * 1000,
    userAgent: (c.user_agent as string | undefined) ?? `tap-firstpromoter/${VERSION}`,
    heartbeatMs: (c.heartbeat_interval_s as number) * 1000,
  };
}

export async function loadConfig(path: string): Promise<Config> {
  return parseConfig(await readJsonFile(path, "config"), `config file ${path}`);
}
