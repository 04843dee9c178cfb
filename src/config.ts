import type { ValidateFunction } from "ajv";
import { describeAjvError } from "./ajv.js";
import { CONFIG_SCHEMA, type ConfigDefaults, type ConfigValues, type RawConfig } from "./config-schema.js";
import { isPlainObject } from "./core/objects.js";
import { parseIso } from "./dates.js";
import { InputError } from "./errors.js";
import { validateConfig } from "./generated/validators.js";
import { readJsonFile } from "./json-file.js";
import type { Logger } from "./log.js";
import { VERSION } from "./version.js";

/** The tap's settings, typed by the mapping in `toConfig` from the schema-derived `ConfigValues`. */
export type Config = ReturnType<typeof toConfig>;

export type SchemaEvolution = ConfigValues["schema_evolution"];

/** `--config ENV`: settings from `TAP_FIRSTPROMOTER_<KEY>` environment variables, as singer-sdk reads them. */
export const ENV_CONFIG = "ENV";
const ENV_PREFIX = "TAP_FIRSTPROMOTER_";

/** ajv compiled it from CONFIG_SCHEMA, from which RawConfig is derived: what it passes has that type. */
const validate = validateConfig as ValidateFunction<RawConfig>;

/** The schema's defaults: its own `as const` values, so of ConfigDefaults' types (fromEntries forgets them). */
const DEFAULTS = Object.fromEntries(
  Object.entries(CONFIG_SCHEMA.properties).flatMap(([key, spec]) =>
    "default" in spec ? [[key, spec.default]] : [],
  ),
) as ConfigDefaults;

/** Validates a parsed config object; throws one InputError line that names the offending key. */
export function parseConfig(raw: unknown, source = "config"): Config {
  if (!isPlainObject(raw)) throw new InputError(`${source}: expected a JSON object`);
  if (!validate(raw)) {
    const error = validate.errors?.[0];
    throw new InputError(`${source}: ${error ? describeAjvError(error) : "invalid"}`);
  }
  const c: ConfigValues = { ...DEFAULTS, ...raw };
  let startDate: Date | undefined;
  if (typeof c.start_date === "string") {
    const t = parseIso(c.start_date);
    startDate = new Date(t ?? Number.NaN);
    if (t === undefined) {
      throw new InputError(`${source}: "start_date" is not a valid date: ${JSON.stringify(c.start_date)}`);
    }
  }
  for (const field of ["api_key", "account_id", "user_agent"] as const) {
    const value = c[field];
    // sent as HTTP headers: a CR/LF or non-ASCII character would fail every request as a "network error"
    if (typeof value === "string" && !/^[\x20-\x7e]*$/.test(value)) {
      throw new InputError(
        `${source}: "${field}" holds a control or non-ASCII character (not allowed in a header)`,
      );
    }
  }
  checkBaseUrl(c.base_url, source);
  if (c.backoff_base_s > c.backoff_max_s) {
    throw new InputError(
      `${source}: "backoff_base_s" (${c.backoff_base_s}) must be <= "backoff_max_s" (${c.backoff_max_s})`,
    );
  }
  const known = new Set<string>(Object.keys(CONFIG_SCHEMA.properties));
  return toConfig(
    c,
    startDate,
    Object.keys(raw).filter((key) => !known.has(key)),
  );
}

/** The schema's keys as the tap's settings: one line a key (units converted here); `Config` is its type. */
function toConfig(c: ConfigValues, startDate: Date | undefined, unknownKeys: readonly string[]) {
  return {
    apiKey: c.api_key,
    accountId: c.account_id,
    /** floor for incremental streams and reports, as a Date (start of day for a bare date) */
    startDate,
    lookbackDays: c.lookback_days,
    reportsGroupBy: c.reports_group_by,
    baseUrl: c.base_url.replace(/\/+$/, ""),
    pageSize: c.page_size,
    requestsPerMinute: c.requests_per_minute,
    maxConcurrency: c.max_concurrency,
    requestTimeoutMs: c.request_timeout_s * 1000,
    maxResponseBytes: Math.round(c.max_response_mb * 1024 * 1024),
    maxRetries: c.max_retries,
    backoffBaseMs: c.backoff_base_s * 1000,
    backoffMaxMs: c.backoff_max_s * 1000,
    userAgent: c.user_agent ?? `tap-firstpromoter/${VERSION}`,
    /** what a record beyond its stream's schema does: widen the schema, warn, or fail the stream */
    schemaEvolution: c.schema_evolution,
    /** keys the schema does not know (e.g. Meltano's `stream_maps`): warned about, never fatal */
    unknownKeys,
    heartbeatMs: c.heartbeat_interval_s * 1000,
  };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** An http(s) URL without credentials in it; plain http only to this machine (the key would travel in clear). */
function checkBaseUrl(text: string, source: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${source}: "base_url" is not a valid URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InputError(`${source}: "base_url" must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new InputError(`${source}: "base_url" must not carry user:password@ (the key goes in "api_key")`);
  }
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname)) {
    throw new InputError(
      `${source}: "base_url" uses plain http:// to ${url.hostname}; only https is allowed except for localhost`,
    );
  }
}

/**
 * Loads `--config` sources in order, later keys winning (singer-sdk's repeated `--config a --config b`);
 * the source `ENV` reads `TAP_FIRSTPROMOTER_*` variables.
 */
export async function loadConfig(
  sources: string | readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Config> {
  const list = typeof sources === "string" ? [sources] : sources;
  const merged: Record<string, unknown> = {};
  for (const source of list) {
    const part = source === ENV_CONFIG ? configFromEnv(env) : await readJsonFile(source, "config");
    if (!isPlainObject(part)) throw new InputError(`config file ${source}: expected a JSON object`);
    Object.assign(merged, part);
  }
  const names = list.map((s) => (s === ENV_CONFIG ? `${ENV_PREFIX}* variables` : `config file ${s}`));
  return parseConfig(merged, names.join(" + "));
}

/** Known keys from the environment, typed by the schema (environment values are always strings). */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA.properties)) {
    const name = `${ENV_PREFIX}${key.toUpperCase()}`;
    const text = env[name];
    if (text === undefined || text === "") continue;
    if (spec.type === "string") out[key] = text;
    else if (/^-?\d+(\.\d+)?$/.test(text.trim())) out[key] = Number(text);
    else throw new InputError(`${name}: expected a number, got ${JSON.stringify(text)}`);
  }
  return out;
}

/** One warning naming the keys the tap ignores (a typo, or settings meant for Meltano or singer-sdk). */
export function warnUnknownKeys(log: Logger, config: Config): void {
  if (config.unknownKeys.length === 0) return;
  const keys = config.unknownKeys.map((k) => JSON.stringify(k)).join(", ");
  log.warn(`config: ignoring unknown key${config.unknownKeys.length > 1 ? "s" : ""} ${keys}`);
}
