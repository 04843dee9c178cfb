import type { LogFields, LogFormat, LogLevel } from "../log.js";

const SINGER_LEVEL: Record<LogLevel, string> = {
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

/**
 * A log line on stderr: an ISO 8601 UTC time, then singer-python's `LEVEL message` (so parsers that split
 * off the first word after the time still work); or, for log indexers, one JSON object a line.
 */
export function singerLogLine(
  level: LogLevel,
  message: string,
  fields: LogFields = {},
  format: LogFormat = "text",
  now: Date = new Date(),
): string {
  if (format === "text") return `${now.toISOString()} ${SINGER_LEVEL[level]} ${message}\n`;
  const { stream, ...rest } = fields;
  const line = {
    time: now.toISOString(),
    level: SINGER_LEVEL[level],
    message,
    stream: stream ?? null,
    fields: rest,
  };
  return `${JSON.stringify(line)}\n`;
}
