/**
 * The config JSON Schema: validates `--config`, is the Airbyte SPEC's connectionSpecification, the Meltano
 * settings and the README's config reference. Keep it flat and Airbyte-friendly (no $ref/oneOf, secrets marked).
 */
export const CONFIG_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "FirstPromoter source",
  type: "object",
  required: ["api_key", "account_id"],
  // Airbyte's convention; unknown keys (Meltano's stream_maps, flattening_enabled, …) are warned about instead
  additionalProperties: true,
  properties: {
    api_key: {
      type: "string",
      title: "API key",
      description:
        "FirstPromoter API key (Settings > Integrations > Manage API Keys). Sent as a Bearer token.",
      minLength: 1,
      airbyte_secret: true,
      order: 0,
    },
    account_id: {
      type: "string",
      title: "Account ID",
      description: "FirstPromoter account ID, shown next to the API key. Sent as the Account-ID header.",
      minLength: 1,
      examples: ["a1b2c3d4"],
      order: 1,
    },
    start_date: {
      type: "string",
      title: "Start date",
      description:
        "Earliest creation date to extract for incremental streams and reports (ISO 8601 date or date-time). Default: all history (reports: the last 365 days).",
      pattern:
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$",
      pattern_descriptor: "YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ",
      examples: ["2024-01-01", "2024-01-01T00:00:00Z"],
      order: 2,
    },
    lookback_days: {
      type: "integer",
      title: "Lookback window (days)",
      description:
        "Incremental streams re-read this many days before their bookmark, because commission status, payout links and report periods change after creation.",
      minimum: 0,
      maximum: 3650,
      default: 30,
      order: 3,
    },
    reports_group_by: {
      type: "string",
      title: "Report period",
      description: "Period of the report rows: day (one request per report per month) or month (per year).",
      enum: ["day", "month"],
      default: "day",
      order: 4,
    },
    base_url: {
      type: "string",
      title: "Base URL",
      description: "API base URL. Point it at the sandbox or a proxy; no redirects are followed.",
      default: "https://api.firstpromoter.com/api/v2",
      pattern: "^https?://",
      examples: ["https://api.firstpromoter.com/api/v2", "http://127.0.0.1:4010/api/v2"],
      order: 5,
    },
    page_size: {
      type: "integer",
      title: "Page size",
      description: "Rows per request (per_page). The API's maximum is 100.",
      minimum: 1,
      maximum: 100,
      default: 100,
      order: 6,
    },
    requests_per_minute: {
      type: "integer",
      title: "Requests per minute",
      description:
        "Request budget shared by all streams (moving 60 s window). FirstPromoter allows 400 per account; lower it when other clients share the account.",
      minimum: 1,
      default: 400,
      order: 7,
    },
    max_concurrency: {
      type: "integer",
      title: "Max concurrent requests",
      description:
        "Upper bound on requests in flight across all streams. Streams run concurrently; the shared rate budget paces them.",
      minimum: 1,
      maximum: 64,
      default: 16,
      order: 8,
    },
    request_timeout_s: {
      type: "number",
      title: "Request timeout (s)",
      description: "Time allowed for one request's headers and body; a timed-out request is retried.",
      exclusiveMinimum: 0,
      maximum: 3600,
      default: 60,
      order: 9,
    },
    max_retries: {
      type: "integer",
      title: "Max retries",
      description:
        "Retries of a request after 429, 5xx, timeouts and network errors (401/403/4xx are never retried). A 429 is not counted while other requests get through, nor given up on within 5 minutes of the first.",
      minimum: 0,
      maximum: 20,
      default: 8,
      order: 10,
    },
    backoff_base_s: {
      type: "number",
      title: "Backoff base (s)",
      description:
        "First retry waits up to this long; each further retry doubles the bound (full jitter). At most backoff_max_s.",
      exclusiveMinimum: 0,
      maximum: 3600,
      default: 1,
      order: 11,
    },
    backoff_max_s: {
      type: "number",
      title: "Backoff cap (s)",
      description:
        "Upper bound of one retry wait: the backoff's, and a server's Retry-After (which delays only the request that got it).",
      exclusiveMinimum: 0,
      maximum: 3600,
      default: 60,
      order: 12,
    },
    user_agent: {
      type: "string",
      title: "User agent",
      description: "User-Agent header. Default: tap-firstpromoter/<version>.",
      examples: ["acme-data-platform/1.0 (data@acme.example)"],
      order: 13,
    },
    schema_evolution: {
      type: "string",
      title: "Schema evolution",
      description:
        "A record with a field the stream's schema does not declare, or a value of a type it does not allow: evolve (Singer: send an updated SCHEMA first, new fields nullable, drifted types widened), warn (keep the data, log a warning; always the case in Airbyte mode, whose catalog is fixed) or strict (fail the stream, naming the field).",
      enum: ["evolve", "warn", "strict"],
      default: "evolve",
      order: 14,
    },
    heartbeat_interval_s: {
      type: "number",
      title: "Progress interval (s)",
      description:
        "While a sync runs, a progress line this often: records and pages per running stream, percentage and ETA where a total is known, requests in the last minute.",
      exclusiveMinimum: 0,
      default: 30,
      order: 15,
    },
    max_response_mb: {
      type: "number",
      title: "Max response size (MB)",
      description:
        "A response body larger than this fails its request (not retried), counted while it streams in: a runaway answer is never held in memory whole. A page of this API is ~30-200 kB; every stream may hold a few pages at once, each ~5-20x its size once parsed.",
      exclusiveMinimum: 0,
      maximum: 4096,
      default: 16,
      order: 16,
    },
  },
} as const;

export type ConfigKey = keyof typeof CONFIG_SCHEMA.properties;

type Properties = typeof CONFIG_SCHEMA.properties;
type RequiredKey = (typeof CONFIG_SCHEMA.required)[number];

/** The TypeScript type of one property's schema: its enum's members, else its JSON type's. */
type ValueOf<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { type: "string" }
    ? string
    : S extends { type: "integer" | "number" }
      ? number
      : S extends { type: "boolean" }
        ? boolean
        : never;

/** A config as the schema validates it (derived from CONFIG_SCHEMA: a new key needs no edit here). */
export type RawConfig = {
  -readonly [K in keyof Properties as K extends RequiredKey ? K : never]: ValueOf<Properties[K]>;
} & {
  -readonly [K in keyof Properties as K extends RequiredKey ? never : K]?: ValueOf<Properties[K]>;
};

/** The keys whose schema has a default, with the default's type. */
export type ConfigDefaults = {
  -readonly [K in keyof Properties as Properties[K] extends { default: unknown } ? K : never]: ValueOf<
    Properties[K]
  >;
};

/** A validated config with the defaults filled in: a key with a default is always present. */
export type ConfigValues = Omit<RawConfig, keyof ConfigDefaults> & ConfigDefaults;
