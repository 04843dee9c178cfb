import { describe, expect, it } from "vitest";
import { AirbyteSerializer } from "../src/protocol/airbyte.js";
import { memoryOutput } from "./helpers/output.js";

/** src/protocol/airbyte.ts: engine events as Airbyte messages, in process. */

describe("AirbyteSerializer", () => {
  it("a page of rows is one RECORD per row with emitted_at", () => {
    const { out, lines } = memoryOutput();
    const airbyte = new AirbyteSerializer(out);
    airbyte.emit({ type: "records", stream: "payouts", rows: [{ id: 1 }, { id: 2 }], extractedAt: 1234 });
    airbyte.emit({ type: "records", stream: "payouts", rows: [], extractedAt: 1234 });
    expect(lines()).toEqual([
      { type: "RECORD", record: { stream: "payouts", data: { id: 1 }, emitted_at: 1234 } },
      { type: "RECORD", record: { stream: "payouts", data: { id: 2 }, emitted_at: 1234 } },
    ]);
  });

  it("per-stream STATE counts that stream's records since its previous STATE, as a double", () => {
    const { out, text, lines } = memoryOutput();
    const airbyte = new AirbyteSerializer(out);
    airbyte.emit({ type: "records", stream: "payouts", rows: [{ id: 1 }, { id: 2 }], extractedAt: 0 });
    airbyte.emit({ type: "records", stream: "referrals", rows: [{ id: 9 }], extractedAt: 0 });
    airbyte.emit({ type: "state", stream: "payouts", state: { offset: { page: 2 } } });
    airbyte.emit({ type: "records", stream: "payouts", rows: [{ id: 3 }], extractedAt: 0 });
    airbyte.emit({ type: "state", stream: "payouts", state: {} });
    const states = lines().filter((m) => m.type === "STATE");
    expect(states).toEqual([
      {
        type: "STATE",
        state: {
          type: "STREAM",
          stream: { stream_descriptor: { name: "payouts" }, stream_state: { offset: { page: 2 } } },
          sourceStats: { recordCount: 2 },
        },
      },
      {
        type: "STATE",
        state: {
          type: "STREAM",
          stream: { stream_descriptor: { name: "payouts" }, stream_state: {} },
          sourceStats: { recordCount: 1 },
        },
      },
    ]);
    expect(text()).toContain('"recordCount":2.0');
  });

  it("never two identical STATEs in a row without records between; a changed one without records is sent", () => {
    const { out, lines } = memoryOutput();
    const airbyte = new AirbyteSerializer(out);
    airbyte.emit({ type: "state", stream: "payouts", state: { a: 1 } as never });
    airbyte.emit({ type: "state", stream: "payouts", state: { a: 1 } as never });
    airbyte.emit({ type: "state", stream: "payouts", state: { a: 2 } as never });
    airbyte.emit({ type: "records", stream: "payouts", rows: [{ id: 1 }], extractedAt: 0 });
    airbyte.emit({ type: "state", stream: "payouts", state: { a: 2 } as never });
    const states = lines().filter((m) => m.type === "STATE") as Array<{
      state: { stream: { stream_state: unknown }; sourceStats: { recordCount: number } };
    }>;
    expect(states.map((s) => [s.state.stream.stream_state, s.state.sourceStats.recordCount])).toEqual([
      [{ a: 1 }, 0],
      [{ a: 2 }, 0],
      [{ a: 2 }, 1],
    ]);
  });

  it("status and estimate become TRACE messages; other events say nothing", () => {
    const { out, lines } = memoryOutput();
    const airbyte = new AirbyteSerializer(out);
    airbyte.emit({ type: "status", stream: "payouts", status: "STARTED" });
    airbyte.emit({ type: "estimate", stream: "payouts", rows: 42 });
    airbyte.emit({ type: "snapshot", stream: "payouts", phase: "begin", resumed: false });
    const [status, estimate, ...rest] = lines() as Array<{ type: string; trace: Record<string, unknown> }>;
    expect(rest).toEqual([]);
    expect(status!.type).toBe("TRACE");
    expect(status!.trace).toMatchObject({
      type: "STREAM_STATUS",
      stream_status: { stream_descriptor: { name: "payouts" }, status: "STARTED" },
    });
    expect(typeof status!.trace.emitted_at).toBe("number");
    expect(estimate!.trace).toMatchObject({
      type: "ESTIMATE",
      estimate: { name: "payouts", type: "STREAM", row_estimate: 42 },
    });
  });
});
