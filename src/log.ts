export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };
export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

export type LogSink = (level: LogLevel, message: string) => void;

export interface Logger {
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  fatal(message: string): void;
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
    (message: string): void => {
      if (RANK[l] >= threshold) sink(l, redactor.redact(message));
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
