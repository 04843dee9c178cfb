export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };
export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

/** Python's level names, which the log lines print and Meltano/singer-sdk users pass: aliases. */
const ALIASES: Record<string, LogLevel> = { warning: "warn", critical: "fatal" };
export const LOG_LEVEL_NAMES = [...LOG_LEVELS, ...Object.keys(ALIASES)];

/** `--log-level` value (any case, aliases included) to a level; yargs' choices reject anything else. */
export function logLevelOf(name: string): LogLevel {
  const lower = name.toLowerCase();
  return ALIASES[lower] ?? (lower as LogLevel);
}

/** Structured context of a line: the stream it is about and figures a log index can query. */
export interface LogFields {
  stream?: string;
  [key: string]: unknown;
}

export type LogSink = (level: LogLevel, message: string, fields?: LogFields) => void;

export type LogFormat = "text" | "json";
export const LOG_FORMATS: LogFormat[] = ["text", "json"];

export interface Logger {
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  fatal(message: string, fields?: LogFields): void;
}

/**
 * Masks every secret before a message reaches any sink, whatever the level. Secrets shorter than 4
 * characters would mask ordinary words, so they are masked only as a whole Bearer token.
 */
export class Redactor {
  /** each secret as written, JSON-escaped and URL-encoded (one form for a plain key); longest first */
  private readonly secrets: string[];
  /** those and each secret's base64, for log lines (an echoed Basic header) */
  private readonly logSecrets: string[];
  constructor(secrets: Array<string | undefined>) {
    const forms = new Set<string>();
    const encoded = new Set<string>();
    for (const s of secrets) {
      if (typeof s !== "string" || s.length < 4) continue;
      for (const form of [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]) forms.add(form);
      encoded.add(base64(s));
    }
    const longestFirst = (a: string, b: string) => b.length - a.length;
    this.secrets = [...forms].sort(longestFirst);
    this.logSecrets = [...new Set([...forms, ...encoded])].sort(longestFirst);
  }

  /**
   * A log line without secrets: the known ones first, whole (a pattern first would mask `Bearer <key>` only
   * up to a quote or comma inside the key, and leave its tail), then any bearer token and URL credentials.
   */
  redact(text: string): string {
    let out = text;
    for (const secret of this.logSecrets) out = out.replaceAll(secret, "****");
    out = out.replace(/(Bearer\s+)[^\s"',]+/gi, "$1****").replace(/(\/\/)[^/\s@:]+:[^/\s@]+@/g, "$1****@");
    return out;
  }

  /**
   * The known secrets only, for protocol output: a record that echoes the api key (a note, a webhook's
   * payload) must not carry it into a warehouse, and data that merely looks like a token stays as it is.
   * One search of a page's text per form (one for a plain key: ~0.3 ns a byte) when there is nothing to mask.
   */
  mask(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.replaceAll(secret, "****");
    return out;
  }
}

function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

export function createLogger(level: LogLevel, sink: LogSink, redactor: Redactor): Logger {
  const threshold = RANK[level];
  const at =
    (l: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (RANK[l] >= threshold) sink(l, redactor.redact(message), fields);
    };
  return {
    level,
    enabled: (l) => RANK[l] >= threshold,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
  };
}

/**
 * The `--log-format` of a command line, read before (or without) yargs: for lines written when the arguments
 * were not parsed (a usage error) or are out of reach (a write error on an output).
 */
export function logFormatOf(argv: readonly string[]): LogFormat {
  let format: LogFormat = "text";
  argv.forEach((arg, i) => {
    const value = arg === "--log-format" ? argv[i + 1] : arg.startsWith("--log-format=") ? arg.slice(13) : "";
    if (value === "json" || value === "text") format = value;
  });
  return format;
}
