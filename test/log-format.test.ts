import { describe, expect, it } from "vitest";
import { duration } from "../src/app/heartbeat.js";
import { endpointTemplate } from "../src/app/metrics.js";
import { singerLogLine } from "../src/protocol/singer.js";

const NOW = new Date("2026-01-15T10:00:00.123Z");

describe("log lines", () => {
  it("text: an ISO 8601 UTC time, then singer-python's LEVEL message", () => {
    expect(singerLogLine("warn", "slow", {}, "text", NOW)).toBe("2026-01-15T10:00:00.123Z WARNING slow\n");
    expect(singerLogLine("fatal", "no", undefined, "text", NOW)).toBe(
      "2026-01-15T10:00:00.123Z CRITICAL no\n",
    );
  });

  it("json: time, level, message, stream and fields", () => {
    const line = singerLogLine(
      "info",
      "promoters: finished",
      { stream: "promoters", records: 3 },
      "json",
      NOW,
    );
    expect(JSON.parse(line)).toEqual({
      time: "2026-01-15T10:00:00.123Z",
      level: "INFO",
      message: "promoters: finished",
      stream: "promoters",
      fields: { records: 3 },
    });
    expect(JSON.parse(singerLogLine("info", "x", undefined, "json", NOW)).stream).toBeNull();
  });
});

describe("METRIC endpoints and heartbeat durations", () => {
  it("templates ids in a path", () => {
    expect(endpointTemplate("company/promoters/826023")).toBe("company/promoters/{id}");
    expect(endpointTemplate("company/webhooks/12/webhook_deliveries")).toBe(
      "company/webhooks/{id}/webhook_deliveries",
    );
    expect(endpointTemplate("company/reports/campaigns")).toBe("company/reports/campaigns");
  });

  it("writes an ETA short", () => {
    expect(duration(4_400)).toBe("4s");
    expect(duration(83_000)).toBe("1m23s");
    expect(duration(3_725_000)).toBe("1h02m");
  });
});
