import type { FailureType } from "../errors.js";
import type { LogLevel } from "../log.js";

/** Builders of the Airbyte protocol messages this source sends (one JSON object per line). */

const AIRBYTE_LEVEL: Record<LogLevel, string> = {
  debug: "DEBUG",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
  fatal: "FATAL",
};

export function logMessage(level: LogLevel, message: string): string {
  return `${JSON.stringify({ type: "LOG", log: { level: AIRBYTE_LEVEL[level], message } })}\n`;
}

export function traceError(
  message: string,
  failureType: FailureType,
  options: { internal?: string; stream?: string; stack?: string } = {},
): string {
  const error = {
    message,
    failure_type: failureType,
    ...(options.internal ? { internal_message: options.internal } : {}),
    ...(options.stack ? { stack_trace: options.stack } : {}),
    ...(options.stream ? { stream_descriptor: { name: options.stream } } : {}),
  };
  return `${JSON.stringify({ type: "TRACE", trace: { type: "ERROR", emitted_at: Date.now(), error } })}\n`;
}

export function streamStatus(stream: string, status: string): string {
  const trace = {
    type: "STREAM_STATUS",
    emitted_at: Date.now(),
    stream_status: { stream_descriptor: { name: stream }, status },
  };
  return `${JSON.stringify({ type: "TRACE", trace })}\n`;
}

export function estimate(stream: string, rows: number): string {
  const trace = {
    type: "ESTIMATE",
    emitted_at: Date.now(),
    estimate: { name: stream, type: "STREAM", row_estimate: rows },
  };
  return `${JSON.stringify({ type: "TRACE", trace })}\n`;
}

export function connectionStatus(status: "SUCCEEDED" | "FAILED", message?: string): string {
  return `${JSON.stringify({ type: "CONNECTION_STATUS", connectionStatus: { status, ...(message ? { message } : {}) } })}\n`;
}

/** recordCount is a double in the protocol ("should always have a decimal point"). */
export function streamState(stream: string, state: unknown, recordCount: number): string {
  const descriptor = JSON.stringify({ stream_descriptor: { name: stream }, stream_state: state });
  return `{"type":"STATE","state":{"type":"STREAM","stream":${descriptor},"sourceStats":{"recordCount":${recordCount.toFixed(1)}}}}\n`;
}
