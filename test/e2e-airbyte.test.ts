import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../sandbox/src/server.js";
import { createAjv } from "../src/ajv.js";
import { STREAMS } from "../src/streams/index.js";
import { airbyteProblems, configuredCatalogProblems } from "./helpers/airbyte-protocol.js";
import { type CliResult, runCli, singerRecords, tempDir, writeJson } from "./helpers/cli.js";

type Msg = Record<string, unknown>;
const SECRET = "ab_secret_key_7c1e";
const ANCHOR = new Date("2026-10-01T08:00:00Z");

let sandbox: Sandbox;
let dir: string;
let config: string;

beforeAll(async () => {
  sandbox = await startSandbox({ size: 10, seed: 21, apiKey: SECRET, anchor: ANCHOR });
  dir = tempDir();
  config = writeJson(
    dir,
    "config.json",
    sandbox.tapConfig({ requests_per_minute: 100_000, page_size: 8, start_date: "2025-06-01" }),
  );
});
afterAll(async () => {
  await sandbox.close();
});

/** Every line is a valid AirbyteMessage, and no secret is anywhere. */
function expectValid(run: CliResult): Msg[] {
  expect(run.stdout.trim().split("\n").length).toBe(run.messages.length);
  for (const m of run.messages) expect(airbyteProblems(m), JSON.stringify(m).slice(0, 300)).toEqual([]);
  expect(run.stdout + run.stderr).not.toContain(SECRET);
  expect(run.stdout).not.toContain("password_setup_url");
  expect(repeatedStates(run.messages)).toEqual([]);
  return run.messages;
}

/**
 * A stream's STATE equal to its previous one with records of it in between: "Sync will fail if this rule is
 * violated" (Airbyte protocol, state principles).
 */
function repeatedStates(messages: Msg[]): string[] {
  const last = new Map<string, { state: string; records: number }>();
  const problems: string[] = [];
  for (const m of messages) {
    if (m.type === "RECORD") {
      const seen = last.get((m.record as Msg).stream as string);
      if (seen) seen.records++;
    } else if (m.type === "STATE") {
      const stream = (m.state as Msg).stream as Msg;
      const name = (stream.stream_descriptor as Msg).name as string;
      const state = JSON.stringify(stream.stream_state);
      const seen = last.get(name);
      if (seen && seen.state === state && seen.records > 0) problems.push(`${name}: ${state} again`);
      last.set(name, { state, records: 0 });
    }
  }
  return problems;
}

function configuredCatalog(catalog: { streams: Msg[] }, pick?: (name: string) => boolean) {
  return {
    streams: catalog.streams
      .filter((s) => !pick || pick(s.name as string))
      .map((stream) => ({
        stream,
        sync_mode: (stream.supported_sync_modes as string[]).includes("incremental")
          ? "incremental"
          : "full_refresh",
        destination_sync_mode: "append",
      })),
  };
}

async function discover(): Promise<{ streams: Msg[] }> {
  const run = await runCli(["discover", "--config", config]);
  expect(run.code).toBe(0);
  const [message] = expectValid(run);
  return (message as { catalog: { streams: Msg[] } }).catalog;
}

const recordsOf = (messages: Msg[]) =>
  messages.filter((m) => m.type === "RECORD").map((m) => m.record as { stream: string; data: Msg });

describe("Airbyte protocol", () => {
  it("spec works without config or network and marks the key secret", async () => {
    const run = await runCli(["spec"]);
    expect(run.code).toBe(0);
    const [message] = expectValid(run);
    const spec = (message as { spec: { connectionSpecification: { properties: Record<string, Msg> } } }).spec;
    expect(spec.connectionSpecification.properties.api_key!.airbyte_secret).toBe(true);
    // the platform validates a config against the SPEC, formats included: its own examples must pass
    const validate = createAjv().compile(spec.connectionSpecification);
    const examples = spec.connectionSpecification.properties.start_date!.examples as string[];
    expect(examples).toContain("2024-01-01T00:00:00Z");
    for (const start_date of examples)
      expect(validate({ api_key: "k", account_id: "a", start_date }), start_date).toBe(true);
  });

  it("a usage error of an Airbyte command ends with a TRACE ERROR on stdout too", async () => {
    const run = await runCli(["read", "--config", config]);
    expect(run.code).toBe(2);
    const [trace, ...rest] = expectValid(run);
    expect(rest).toEqual([]);
    expect((trace!.trace as { error: Msg }).error).toMatchObject({
      failure_type: "config_error",
      message: expect.stringMatching(/Missing required argument: catalog/),
    });
  });

  it("check succeeds, and fails with what to fix (exit 0)", async () => {
    const ok = await runCli(["check", "--config", config]);
    expect(ok.code).toBe(0);
    expect(expectValid(ok).at(-1)).toEqual({
      type: "CONNECTION_STATUS",
      connectionStatus: { status: "SUCCEEDED" },
    });

    const cases: Array<[Msg, RegExp]> = [
      [{ ...sandbox.tapConfig(), api_key: "wrong" }, /rejected the API key: check api_key/],
      [{ ...sandbox.tapConfig(), account_id: "other" }, /account was not found: check account_id/],
      [
        { ...sandbox.tapConfig(), base_url: "http://127.0.0.1:9/api/v2", backoff_base_s: 0.01 },
        /could not reach/,
      ],
      [{ account_id: "x" }, /missing required key "api_key"/],
    ];
    for (const [cfg, message] of cases) {
      const run = await runCli(["check", "--config", writeJson(dir, "check.json", cfg)]);
      expect(run.code).toBe(0);
      const status = expectValid(run).find((m) => m.type === "CONNECTION_STATUS") as {
        connectionStatus: { status: string; message: string };
      };
      expect(status.connectionStatus.status).toBe("FAILED");
      expect(status.connectionStatus.message).toMatch(message);
    }
  }, 30_000);

  it("discover: every stream, no $ref/allOf/not, cursor and keys that exist in the schema", async () => {
    const catalog = await discover();
    expect(catalog.streams.map((s) => s.name)).toEqual(STREAMS.map((s) => s.name));
    for (const s of catalog.streams) {
      const text = JSON.stringify(s.json_schema);
      expect(text).not.toMatch(/"\$ref"|"allOf"|"not"/);
      const props = (s.json_schema as { properties: Msg }).properties;
      for (const [key] of s.source_defined_primary_key as string[][]) expect(props).toHaveProperty(key!);
      for (const key of (s.default_cursor_field as string[] | undefined) ?? [])
        expect(props).toHaveProperty(key);
    }
    expect(configuredCatalogProblems(configuredCatalog(catalog))).toEqual([]);
  });

  it("read: valid messages, statuses in order, per-stream states with counts, same records as Singer", async () => {
    const catalog = await discover();
    const configured = writeJson(
      dir,
      "configured.json",
      configuredCatalog(catalog, (n) => n !== "promoter_details"),
    );
    const run = await runCli(["read", "--config", config, "--catalog", configured]);
    expect(run.code, run.stdout.slice(-500)).toBe(0);
    const messages = expectValid(run);
    const names = STREAMS.map((s) => s.name).filter((n) => n !== "promoter_details");

    for (const name of names) {
      const statuses = messages
        .filter((m) => m.type === "TRACE" && (m.trace as Msg).type === "STREAM_STATUS")
        .map(
          (m) =>
            (m.trace as { stream_status: { stream_descriptor: { name: string }; status: string } })
              .stream_status,
        )
        .filter((s) => s.stream_descriptor.name === name)
        .map((s) => s.status);
      expect(statuses, name).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
      // states of one stream: never two identical in a row, counts add up to the records
      const states = messages.filter(
        (m) =>
          m.type === "STATE" &&
          ((m.state as Msg).stream as { stream_descriptor: { name: string } }).stream_descriptor.name ===
            name,
      );
      expect(states.length, name).toBeGreaterThan(0);
      const blobs = states.map((m) => JSON.stringify(((m.state as Msg).stream as Msg).stream_state));
      const counts = states.map((m) => ((m.state as Msg).sourceStats as { recordCount: number }).recordCount);
      blobs.forEach((b, i) => {
        if (i > 0 && b === blobs[i - 1])
          expect(counts[i], `${name}: identical consecutive states`).toBeGreaterThan(0);
      });
      const records = recordsOf(messages).filter((r) => r.stream === name);
      expect(
        counts.reduce((a, b) => a + b, 0),
        name,
      ).toBe(records.length);
    }
    for (const r of recordsOf(messages))
      expect(Number.isInteger((r as unknown as { emitted_at: number }).emitted_at)).toBe(true);
    expect(run.stdout).toMatch(/"RECORD","record":\{"stream":"commissions","data":\{.*"emitted_at":\d+\}\}/);

    // golden comparison: the Singer run over the same data yields the same records
    const singerCatalog = writeJson(dir, "singer-catalog.json", {
      streams: names.map((name) => ({
        tap_stream_id: name,
        metadata: [{ breadcrumb: [], metadata: { selected: true } }],
      })),
    });
    const singer = await runCli(["--config", config, "--catalog", singerCatalog]);
    expect(singer.code).toBe(0);
    const singerRows = singerRecords(singer.messages);
    for (const name of names) {
      const airbyteRows = recordsOf(messages)
        .filter((r) => r.stream === name)
        .map((r) => withoutSnapshot(r.data));
      expect(airbyteRows, name).toEqual((singerRows.get(name) ?? []).map(withoutSnapshot));
    }
  }, 60_000);

  it("a report read again through its lookback sends no STATE equal to the one before it", async () => {
    const catalog = await discover();
    const configured = writeJson(
      dir,
      "lookback.json",
      configuredCatalog(catalog, (n) => n === "reports_overview" || n === "reports_campaigns"),
    );
    const cfg = writeJson(dir, "lookback-config.json", sandbox.tapConfig({ lookback_days: 45 }));
    const first = await runCli(["read", "--config", cfg, "--catalog", configured]);
    expect(first.code).toBe(0);
    const states = expectValid(first).filter((m) => m.type === "STATE");
    const byStream = new Map(
      states.map((m) => [
        (((m.state as Msg).stream as Msg).stream_descriptor as Msg).name as string,
        m.state,
      ]),
    );
    const statePath = writeJson(dir, "lookback-state.json", [...byStream.values()]);
    const second = await runCli(["read", "--config", cfg, "--catalog", configured, "--state", statePath]);
    expect(second.code).toBe(0);
    const again = expectValid(second);
    expect(again.filter((m) => m.type === "RECORD").length).toBeGreaterThan(0);
  });

  it("incremental: a read with the previous STATE emits only what changed; a future state is capped at the sync start", async () => {
    const catalog = await discover();
    const incremental = ["commissions", "referrals", "reports_overview"];
    const configured = writeJson(
      dir,
      "inc.json",
      configuredCatalog(catalog, (n) => incremental.includes(n)),
    );
    const cfg = writeJson(
      dir,
      "inc-config.json",
      sandbox.tapConfig({ requests_per_minute: 100_000, lookback_days: 0 }),
    );
    const first = await runCli(["read", "--config", cfg, "--catalog", configured]);
    expect(first.code).toBe(0);
    const lastStates = new Map<string, Msg>();
    for (const m of expectValid(first)) {
      if (m.type === "STATE")
        lastStates.set(
          (((m.state as Msg).stream as Msg).stream_descriptor as Msg).name as string,
          m.state as Msg,
        );
    }
    const statePath = writeJson(dir, "inc-state.json", [...lastStates.values()]);
    const second = await runCli(["read", "--config", cfg, "--catalog", configured, "--state", statePath]);
    expect(second.code).toBe(0);
    const again = recordsOf(expectValid(second));
    const before = recordsOf(first.messages);
    expect(again.filter((r) => r.stream === "commissions").length).toBeLessThan(
      before.filter((r) => r.stream === "commissions").length,
    );
    for (const r of again.filter((r) => r.stream === "commissions")) {
      const bookmark = ((lastStates.get("commissions")!.stream as Msg).stream_state as Msg)
        .replication_key_value as string;
      expect((r.data.created_at as string).slice(0, 10) >= bookmark.slice(0, 10)).toBe(true);
    }

    const future = incremental.map((name) => ({
      type: "STREAM",
      stream: {
        stream_descriptor: { name },
        stream_state: {
          replication_key: name.startsWith("reports") ? "window_start" : "created_at",
          replication_key_value: "2100-01-01T00:00:00Z",
        },
      },
    }));
    const futureRun = await runCli([
      "read",
      "--config",
      cfg,
      "--catalog",
      configured,
      "--state",
      writeJson(dir, "future.json", future),
    ]);
    expect(futureRun.code).toBe(0);
    // issue 14: a bookmark after the sync's start is capped there (with a warning), never written back, so
    // the read covers only the start's day (lookback 0), instead of nothing forever
    const today = new Date().toISOString().slice(0, 10);
    const futureMessages = expectValid(futureRun);
    for (const r of recordsOf(futureMessages)) {
      const date = (r.data.created_at ?? r.data.window_end) as string; // report windows are calendar-aligned
      expect(date.slice(0, 10) >= today, `${r.stream} ${date}`).toBe(true);
    }
    expect(futureRun.stdout).toMatch(/bookmark 2100-01-01T00:00:00Z is after the sync's start; capped/);
    expect(JSON.stringify(futureMessages.filter((m) => m.type === "STATE"))).not.toContain("2100");
  }, 60_000);

  it("emits a TRACE error with config_error for a bad catalog or config, then exits non-zero", async () => {
    const unknown = writeJson(dir, "unknown.json", {
      streams: [
        {
          stream: {
            name: "__AIRBYTE__stream_that_does_not_exist",
            json_schema: {},
            supported_sync_modes: ["full_refresh"],
          },
          sync_mode: "INVALID",
          destination_sync_mode: "overwrite",
        },
      ],
    });
    for (const args of [
      ["read", "--config", config, "--catalog", unknown],
      ["read", "--config", writeJson(dir, "bad.json", { api_key: SECRET }), "--catalog", unknown],
      ["discover", "--config", writeJson(dir, "bad2.json", "{")],
    ]) {
      const run = await runCli(args);
      expect(run.code).toBe(1);
      const trace = expectValid(run).find((m) => m.type === "TRACE") as {
        trace: { type: string; error: Msg };
      };
      expect(trace.trace.type).toBe("ERROR");
      expect(trace.trace.error.failure_type).toBe("config_error");
    }
  });

  it("a 401 during read is a config_error TRACE and INCOMPLETE statuses", async () => {
    const catalog = await discover();
    const configured = writeJson(
      dir,
      "one.json",
      configuredCatalog(catalog, (n) => n === "promoters"),
    );
    const bad = writeJson(dir, "badkey.json", { ...sandbox.tapConfig(), api_key: "nope-nope" });
    const run = await runCli(["read", "--config", bad, "--catalog", configured]);
    expect(run.code).toBe(1);
    const messages = expectValid(run);
    const error = messages.find((m) => m.type === "TRACE" && (m.trace as Msg).type === "ERROR") as {
      trace: { error: Msg };
    };
    expect(error.trace.error.failure_type).toBe("config_error");
    expect(error.trace.error.message).toMatch(/^sync stopped: authentication failed \(HTTP 401\)/);
    // a rejected key is the sync's failure: no stream descriptor names one stream for it
    expect(error.trace.error.stream_descriptor).toBeUndefined();
    expect(JSON.stringify(messages)).toMatch(/"status":"INCOMPLETE"/);
  });
});

function withoutSnapshot(row: Msg): Msg {
  const { snapshot_at: _, ...rest } = row;
  return rest;
}
