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
  private readonly secrets: string[];
  constructor(secrets: Array<string | undefined>) {
    this.secrets = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  }
  redact(text: string): string {
    let out = text
      .replace(/(Bearer\s+)[^\s"',]+/gi, "$1****")
      .replace(/(\/\/)[^/\s@:]+:[^/\s@]+@/g, "$1****@");
    for (const secret of this.secrets) out = out.replaceAll(secret, "****");
    return out;
  }
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
