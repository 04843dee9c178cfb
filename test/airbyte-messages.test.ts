import { afterEach, describe, expect, it, vi } from "vitest";
import {
  connectionStatus,
  estimate,
  logMessage,
  streamState,
  streamStatus,
  traceError,
} from "../src/protocol/airbyte-messages.js";

/** src/protocol/airbyte-messages.ts: each builder's exact line (one JSON object, one newline). */
const NOW = 1_700_000_000_000;

afterEach(() => {
  vi.useRealTimers();
});

function parsed(line: string): unknown {
  expect(line.endsWith("\n")).toBe(true);
  expect(line.slice(0, -1)).not.toContain("\n");
  return JSON.parse(line);
}

describe("Airbyte messages", () => {
  it("LOG maps the tap's levels to Airbyte's", () => {
    expect(parsed(logMessage("warn", "careful\nnow"))).toEqual({
      type: "LOG",
      log: { level: "WARN", message: "careful\nnow" },
    });
    expect(parsed(logMessage("fatal", "x"))).toEqual({ type: "LOG", log: { level: "FATAL", message: "x" } });
    expect(parsed(logMessage("debug", "x"))).toEqual({ type: "LOG", log: { level: "DEBUG", message: "x" } });
  });

  it("TRACE ERROR carries only the options given", () => {
    vi.useFakeTimers({ now: NOW });
    expect(parsed(traceError("boom", "config_error"))).toEqual({
      type: "TRACE",
      trace: { type: "ERROR", emitted_at: NOW, error: { message: "boom", failure_type: "config_error" } },
    });
    expect(
      parsed(traceError("boom", "system_error", { internal: "i", stream: "payouts", stack: "at x" })),
    ).toEqual({
      type: "TRACE",
      trace: {
        type: "ERROR",
        emitted_at: NOW,
        error: {
          message: "boom",
          failure_type: "system_error",
          internal_message: "i",
          stack_trace: "at x",
          stream_descriptor: { name: "payouts" },
        },
      },
    });
  });

  it("TRACE STREAM_STATUS and ESTIMATE", () => {
    vi.useFakeTimers({ now: NOW });
    expect(parsed(streamStatus("payouts", "COMPLETE"))).toEqual({
      type: "TRACE",
      trace: {
        type: "STREAM_STATUS",
        emitted_at: NOW,
        stream_status: { stream_descriptor: { name: "payouts" }, status: "COMPLETE" },
      },
    });
    expect(parsed(estimate("payouts", 42))).toEqual({
      type: "TRACE",
      trace: {
        type: "ESTIMATE",
        emitted_at: NOW,
        estimate: { name: "payouts", type: "STREAM", row_estimate: 42 },
      },
    });
  });

  it("CONNECTION_STATUS with a message only when there is one", () => {
    expect(connectionStatus("SUCCEEDED")).toBe(
      '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}\n',
    );
    expect(parsed(connectionStatus("FAILED", "bad key"))).toEqual({
      type: "CONNECTION_STATUS",
      connectionStatus: { status: "FAILED", message: "bad key" },
    });
  });

  it("STREAM STATE: the record count is written as a double, with a decimal point", () => {
    const line = streamState("payouts", { offset: { page: 2 } }, 3);
    expect(line).toBe(
      '{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"payouts"},"stream_state":{"offset":{"page":2}}},"sourceStats":{"recordCount":3.0}}}\n',
    );
    expect(parsed(streamState("payouts", {}, 0))).toEqual({
      type: "STATE",
      state: {
        type: "STREAM",
        stream: { stream_descriptor: { name: "payouts" }, stream_state: {} },
        sourceStats: { recordCount: 0 },
      },
    });
  });
});
